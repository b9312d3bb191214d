using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Expressions;

namespace Workflows.Server.Triggers;

/// <summary>What a webhook sender is told.</summary>
/// <param name="Status">accepted, ignored, duplicate, rejected, invalid, failed, too-large, rate-limited, not-found.</param>
/// <param name="Delivery">Our id of the delivery (see the deliveries API), or null when it was not recorded.</param>
/// <param name="Message">A readable explanation.</param>
/// <param name="RunId">The run started (or, for a duplicate, the original delivery's run).</param>
/// <param name="RunUrl">The run's API URL.</param>
/// <param name="Errors">For invalid payloads: the problems by field (<c>inputs.&lt;name&gt;</c>).</param>
public sealed record WebhookResponse(string Status, string? Delivery, string Message, Guid? RunId = null, string? RunUrl = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>The outcome of one delivery.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body.</param>
/// <param name="RetryAfter">For 429: when to try again.</param>
public sealed record DeliveryOutcome(int StatusCode, WebhookResponse Body, TimeSpan? RetryAfter = null)
{
    /// <summary>Gets the Location header: the run's URL for accepted deliveries.</summary>
    public string? Location => StatusCode == StatusCodes.Status202Accepted ? Body.RunUrl : null;
}

/// <summary>Who asked to replay a stored delivery.</summary>
/// <param name="Of">The stored delivery.</param>
/// <param name="Actor">Who asked.</param>
public sealed record Redelivery(DeliveryRecord Of, string Actor);

/// <summary>
/// Authenticates a delivery, records it, applies replay protection, the filter and the input mapping, and starts the run.
/// Secret-bearing headers are masked before anything is stored; the secret never appears in a message.
/// </summary>
public sealed class WebhookReceiver(
    TriggerStore store,
    IRunCommands commands,
    WebhookRateLimits limits,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookReceiver> logger)
{
    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        WebhookSignatures.GitHubHeader, "X-Hub-Signature", WebhookSignatures.GitLabHeader, WebhookSignatures.GenericHeader,
        "Authorization", "Proxy-Authorization", "Cookie",
    };

    private static readonly string[] DeliveryIdHeaders = ["X-GitHub-Delivery", "X-Gitlab-Event-UUID", "X-Delivery-Id"];
    private static readonly string[] EventHeaders = ["X-GitHub-Event", "X-Gitlab-Event", "X-Event"];
    private long nextPrune;

    /// <summary>Names that carry credentials whatever the sender calls them (X-Acme-Signature, X-Api-Key, Set-Cookie, …).</summary>
    private static readonly System.Text.RegularExpressions.Regex SecretHeaderName = new(
        "signature|token|secret|password|passwd|api-?key|cookie|authorization|credential",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    /// <summary>Returns whether a header carries a credential by its name (its value is then never stored or shown).</summary>
    public static bool IsSecretHeader(string name) => SecretHeaders.Contains(name) || SecretHeaderName.IsMatch(name);

    /// <summary>Returns the headers as stored and shown: secret-bearing ones, and any whose value holds the hook's secret, masked.</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="secret">The hook's secret, if any.</param>
    public static JsonObject MaskHeaders(IEnumerable<KeyValuePair<string, string>> headers, Secret? secret = null)
    {
        var o = new JsonObject();
        foreach (var (k, v) in headers)
        {
            o[k] = IsSecretHeader(k) || (secret is not null && v.Contains(secret.Reveal(), StringComparison.Ordinal)) ? "***" : v;
        }

        return o;
    }

    /// <summary>Returns the text with every occurrence of the hook's secret replaced by <c>***</c>, as written or JSON-escaped (<c>It\u0027s</c>).</summary>
    public static string MaskSecret(string text, Secret? secret)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (secret is null || secret.Reveal().Length == 0)
        {
            return text;
        }

        var plain = secret.Reveal();
        string[] forms = [plain, JsonEncodedText.Encode(plain).ToString(), JsonEncodedText.Encode(plain, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString()];
        foreach (var form in forms.Distinct(StringComparer.Ordinal))
        {
            text = text.Replace(form, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Records a delivery that was refused before it could be authenticated (too large); it counts against its source's limit of failed deliveries.</summary>
    public async Task<DeliveryOutcome> RefuseAsync(HookInfo hook, IReadOnlyDictionary<string, string> headers, string source, int status, string outcome, string message, long size, CancellationToken ct)
    {
        var id = NewId();
        var retryAfter = (TimeSpan?)null;
        if (!limits.TryAcquireUnauthenticated(source, out var wait))
        {
            (status, outcome, message, retryAfter) = (429, "rate-limited", UnauthenticatedLimitMessage(source, message), wait);
        }

        await store.InsertDeliveryAsync(Record(id, hook, null, headers, outcome, status, message, (int)Math.Min(size, int.MaxValue)), null, ct);
        logger.LogWarning("Webhook {Hook} delivery {Delivery} refused: {Message}", hook.Name, id, message);
        return new(status, new WebhookResponse(outcome, id, message), retryAfter);
    }

    /// <summary>Processes a delivery (or, with <paramref name="redelivery"/>, replays a stored one without signature or replay checks).</summary>
    /// <param name="hook">The hook.</param>
    /// <param name="body">The raw body.</param>
    /// <param name="headers">The request headers (case-insensitive keys).</param>
    /// <param name="redelivery">Set when an operator replays a stored delivery.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="source">The sender's address, for the limit of failed deliveries.</param>
    /// <remarks>
    /// The signature is checked first (it is cheap): a delivery that fails it counts only against its source address's limit,
    /// a signed one only against its hook's. Every refused delivery is recorded; a signed one refused with 429 keeps its body,
    /// so an operator can redeliver it.
    /// </remarks>
    public async Task<DeliveryOutcome> ReceiveAsync(HookInfo hook, byte[] body, IReadOnlyDictionary<string, string> headers, Redelivery? redelivery, CancellationToken ct, string source = "unknown")
    {
        var id = NewId();
        await PruneIfDueAsync(ct);
        string? Header(string name) => headers.TryGetValue(name, out var v) ? v : null;

        if (redelivery is null)
        {
            var check = WebhookSignatures.Verify(hook.Provider, hook.Secret, Header, body, clock.GetUtcNow(), options.CurrentValue.TimestampTolerance);
            if (!check.Valid)
            {
                var msg = $"signature rejected: {check.Error}";
                if (!limits.TryAcquireUnauthenticated(source, out var wait))
                {
                    msg = UnauthenticatedLimitMessage(source, msg);
                    await store.InsertDeliveryAsync(Record(id, hook, null, headers, "rate-limited", 429, msg, body.Length), null, ct);
                    logger.LogWarning("Webhook {Hook} delivery {Delivery} refused: {Message}", hook.Name, id, msg);
                    return new(429, new WebhookResponse("rate-limited", id, msg), wait);
                }

                await store.InsertDeliveryAsync(Record(id, hook, null, headers, "rejected", 401, msg, body.Length), null, ct);
                logger.LogWarning("Webhook {Hook} delivery {Delivery} rejected: {Reason}", hook.Name, id, check.Error);
                return new(401, new WebhookResponse("rejected", id, msg));
            }
        }

        var key = redelivery is null
            ? DeliveryIdHeaders.Select(Header).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body))
            : redelivery.Of.DeliveryKey;
        if (key is { Length: > 200 })
        {
            key = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        }

        DeliveryOutcome Done(string status, int code, string message, Guid? runId = null, IReadOnlyDictionary<string, string[]>? errors = null) =>
            new(code, new WebhookResponse(status, id, message, runId, runId is { } r ? $"/api/runs/{r}" : null, errors));

        async Task<DeliveryOutcome> FinishAsync(string status, int code, string message, Guid? runId = null, IReadOnlyDictionary<string, string[]>? errors = null)
        {
            await store.InsertDeliveryAsync(Record(id, hook, key, headers, status, code, message, body.Length) with { RunId = runId, RedeliveryOf = redelivery?.Of.Id, Actor = redelivery?.Actor }, body, ct);
            return Done(status, code, message, runId, errors);
        }

        if (redelivery is null && !limits.TryAcquireAuthenticated(hook, out var retryAfter))
        {
            // Recorded with its body and key but without claiming the key: the sender's own retry, or an operator's redelivery, still works.
            var msg = $"hook '{hook.Name}' allows {hook.PermitsPerMinute} signed deliveries per minute (burst {hook.Burst}); retry later, or redeliver this delivery";
            await store.InsertDeliveryAsync(Record(id, hook, key, headers, "rate-limited", 429, msg, body.Length), body, ct);
            logger.LogWarning("Webhook {Hook} delivery {Delivery} rate-limited", hook.Name, id);
            return new(429, new WebhookResponse("rate-limited", id, msg), retryAfter);
        }

        if (!TryParsePayload(body, Header("Content-Type"), out var payload, out var parseError))
        {
            return await FinishAsync("invalid", 400, $"the body is not JSON: {parseError}");
        }

        if (redelivery is null && key is not null && await store.ClaimReplayKeyAsync(hook.Name, key, id, ct) is { } firstId)
        {
            var first = await store.GetDeliveryAsync(firstId, ct);
            var runId = first?.Delivery.RunId;
            var msg = $"delivery {key} was already received as {firstId} ({first?.Delivery.Status ?? "still processing"}); no new run";
            logger.LogInformation("Webhook {Hook} delivery {Key} is a duplicate of {First}", hook.Name, key, firstId);
            return await FinishAsync("duplicate", 200, msg, runId);
        }

        var claimed = redelivery is null && key is not null;
        try
        {
            var scope = new JsonScope(new JsonObject
            {
                ["payload"] = payload,
                ["event"] = EventHeaders.Select(Header).FirstOrDefault(v => v is not null),
                ["headers"] = new JsonObject(MaskHeaders(headers, hook.Secret).Select(kv => KeyValuePair.Create(kv.Key.ToLowerInvariant(), kv.Value?.DeepClone()))),
                ["hook"] = new JsonObject { ["name"] = hook.Name, ["workflow"] = hook.Workflow },
                ["delivery"] = new JsonObject { ["id"] = id, ["key"] = key },
            });

            if (hook.Filter is { } filter && !Expression.IsTruthy(Template.Parse(filter).Evaluate(scope)))
            {
                claimed = false; // a repeat of an ignored delivery is a duplicate too
                return await FinishAsync("ignored", 200, $"ignored: the hook's filter {filter} is false for this delivery; no run was started");
            }

            var mapped = Template.EvaluateTree(hook.Inputs, scope) as JsonObject ?? [];
            var inputs = mapped.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var reference = redelivery is null ? key : $"redelivery {id} of {redelivery.Of.Id}";
            RunSummary run;
            try
            {
                run = await commands.StartAsync(new StartRunRequest(hook.Workflow, inputs, new TriggerInfo(TriggerKind.Webhook, hook.Name, reference)), ct);
            }
            catch (InputValidationException e)
            {
                var errors = e.Errors.GroupBy(x => x.Field).ToDictionary(
                    g => g.Key,
                    g => g.Select(x => Explain(x, hook.Inputs, mapped)).ToArray(),
                    StringComparer.Ordinal);
                var msg = "the payload does not map to valid inputs: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}"));
                return await FinishAsync("invalid", 422, msg, null, errors);
            }
            catch (WorkflowNotFoundException e)
            {
                return await FinishAsync("failed", 404, $"the hook's workflow is not available: {e.Message}");
            }
            catch (PlanHasErrorsException e)
            {
                // plan: required and the plan has errors: refused like a start from the API, and on record in the delivery.
                return await FinishAsync("refused", 422, $"the plan has {e.Plan.Summary.Errors} error(s), no run was started: {string.Join("; ", e.Errors)}");
            }

            claimed = false;
            logger.LogInformation("Webhook {Hook} delivery {Key} started run {RunId} of {Workflow}", hook.Name, key, run.Id, hook.Workflow);
            return await FinishAsync("accepted", 202, $"run {run.Id} of {hook.Workflow} {(run.Status == RunStatus.Queued ? "queued" : "started")}", run.Id);
        }
        catch (ExpressionException e)
        {
            return await FinishAsync("failed", 500, $"the hook's filter or inputs do not evaluate: {e.Message}");
        }
        finally
        {
            if (claimed)
            {
                // Not accepted: let the sender deliver the same id again once the problem is fixed.
                await store.ReleaseReplayKeyAsync(hook.Name, key!, id, CancellationToken.None);
            }
        }
    }

    /// <summary>Replays a stored, authenticated delivery as a new delivery; null when the hook has no such delivery.</summary>
    public async Task<DeliveryOutcome?> RedeliverAsync(HookInfo hook, string deliveryId, string actor, CancellationToken ct)
    {
        if (await store.GetDeliveryAsync(deliveryId, ct) is not { } d || d.Delivery.Hook != hook.Name)
        {
            return null;
        }

        if (d.Body is null || d.Delivery.DeliveryKey is null)
        {
            return new(409, new WebhookResponse(
                "conflict",
                null,
                $"delivery {deliveryId} was {d.Delivery.Status} before it was authenticated; only authenticated deliveries can be replayed"));
        }

        var headers = d.Delivery.Headers.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "", StringComparer.OrdinalIgnoreCase);
        return await ReceiveAsync(hook, d.Body, headers, new Redelivery(d.Delivery, actor), ct);
    }

    private string UnauthenticatedLimitMessage(string source, string reason) =>
        $"too many failed deliveries from {source} ({options.CurrentValue.UnauthenticatedPermitsPerMinute} per minute, burst {options.CurrentValue.UnauthenticatedBurst}); this one: {reason}";

    private static string Explain(FieldError error, JsonObject templates, JsonObject mapped)
    {
        const string prefix = "inputs.";
        if (error.Field.StartsWith(prefix, StringComparison.Ordinal))
        {
            var name = error.Field[prefix.Length..];
            if (templates[name] is JsonValue t && t.TryGetValue(out string? text))
            {
                var got = mapped[name] is null ? "nothing (the path is missing in the payload)" : $"'{Expression.ToText(mapped[name])}'";
                return $"{error.Message} (mapped from {text}, which gave {got})";
            }
        }

        return error.Message;
    }

    private static bool TryParsePayload(byte[] body, string? contentType, out JsonNode? payload, out string? error)
    {
        payload = null;
        error = null;
        try
        {
            if (contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                // GitHub's form content type: the JSON is in the "payload" field.
                var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
                payload = form.TryGetValue("payload", out var p) ? JsonNode.Parse(p.ToString()) : null;
                if (payload is null)
                {
                    error = "form body without a 'payload' field";
                    return false;
                }

                return true;
            }

            payload = body.Length == 0 ? new JsonObject() : JsonNode.Parse(body);
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }

    private async Task PruneIfDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = Interlocked.Read(ref nextPrune);
        if (now.ToUnixTimeMilliseconds() < due || Interlocked.CompareExchange(ref nextPrune, now.AddHours(1).ToUnixTimeMilliseconds(), due) != due)
        {
            return;
        }

        var removed = await store.PruneAsync(now - options.CurrentValue.DeliveryRetention, ct);
        if (removed > 0)
        {
            logger.LogInformation("Pruned {Count} webhook deliveries older than {Retention}", removed, options.CurrentValue.DeliveryRetention);
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private DeliveryRecord Record(string id, HookInfo hook, string? key, IReadOnlyDictionary<string, string> headers, string status, int code, string message, int size) => new()
    {
        Id = id,
        Hook = hook.Name,
        DeliveryKey = key,
        ReceivedAt = clock.GetUtcNow(),
        Status = status,
        HttpStatus = code,
        Message = message,
        Event = EventHeaders.Select(h => headers.TryGetValue(h, out var v) ? v : null).FirstOrDefault(v => v is not null),
        Headers = MaskHeaders(headers, hook.Secret),
        BodySize = size,
    };
}
