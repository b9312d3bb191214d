using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Actions;

/// <summary>Inputs of <c>core.delay</c>.</summary>
public sealed class DelayInputs
{
    /// <summary>Gets or sets how long to wait, e.g. <c>30s</c> or <c>5m</c>.</summary>
    public required string Duration { get; set; }

}

/// <summary>Outputs of <c>core.delay</c>.</summary>
/// <param name="WaitedUntil">When the wait ended.</param>
public sealed record DelayOutputs(DateTimeOffset WaitedUntil);

/// <summary><c>core.delay</c>: waits without holding a worker.</summary>
public sealed class DelayAction : StepAction<DelayInputs, DelayOutputs>, IPlannableAction
{
    /// <inheritdoc />
    public Task<StepPlan> PlanAsync(PlanContext context)
    {
        if (context.WhenKnown("duration") is { } when)
        {
            return Task.FromResult(StepPlan.NoChange($"waits for a duration {when}"));
        }

        var inputs = context.GetInputs<DelayInputs>();
        var plan = new StepPlanBuilder();
        if (Duration.TryParse(inputs.Duration, out var err) is { } d)
        {
            plan.Passed("duration", $"{inputs.Duration} ({d})");
            return Task.FromResult(plan.Build(PlanAction.NoChange, $"waits {inputs.Duration}, without holding a worker"));
        }

        plan.Error("duration", "with.duration", err ?? "not a duration");
        return Task.FromResult(plan.Build(PlanAction.NoChange, "waits"));
    }

    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(DelayInputs inputs, StepContext context)
    {
        var now = context.Clock.GetUtcNow();
        var state = context.GetState<DelayState>();
        if (state is null)
        {
            var d = Duration.TryParse(inputs.Duration, out var err)
                ?? throw new StepFailedException("inputs.invalid", $"with.duration: {err}", retryable: false);
            state = new DelayState(now + d);
            context.Log.WriteLine($"Waiting {inputs.Duration} (until {state.Until:u})");
        }

        return Task.FromResult<StepResult>(now >= state.Until
            ? Completed(new DelayOutputs(state.Until))
            : StepResult.Pending(state.Until - now, $"waiting until {state.Until:HH:mm:ss}", state));
    }

    private sealed record DelayState(DateTimeOffset Until);
}

/// <summary>Inputs of <c>core.approval</c>.</summary>
public sealed class ApprovalInputs
{
    /// <summary>Gets or sets what the approver is asked.</summary>
    public string Message { get; set; } = "Approve to continue";

    /// <summary>Gets or sets how long the request stays open, e.g. <c>24h</c>. Default is 24h.</summary>
    public string ExpiresIn { get; set; } = "24h";

    /// <summary>
    /// Gets or sets who may decide: <c>{ roles: [...], groups: [...], users: [...] }</c>. Default is any operator.
    /// Read at load time into <see cref="Workflows.Abstractions.Definitions.StepDefinition.Approval"/>, which the engine enforces.
    /// </summary>
    public JsonNode? Approvers { get; set; }

    /// <summary>Gets or sets how many different people must approve. Default is 1.</summary>
    public int Required { get; set; } = 1;

    /// <summary>Gets or sets whether the run's starter may approve it. Default is false.</summary>
    public bool AllowSelfApproval { get; set; }

    /// <summary>Gets or sets what the expiry decides: <c>reject</c> or <c>approve</c>. Default is reject.</summary>
    public string OnExpiry { get; set; } = "reject";
}

/// <summary>Outputs of <c>core.approval</c>.</summary>
/// <param name="Approved">Always true (a rejection fails the step).</param>
/// <param name="By">Who approved (comma-separated when several had to), or <c>expiry</c> under <c>onExpiry: approve</c>.</param>
/// <param name="Comment">Their comment.</param>
/// <param name="At">When.</param>
public sealed record ApprovalOutputs(bool Approved, string By, string? Comment, DateTimeOffset At);

/// <summary><c>core.approval</c>: waits for an operator's decision (approve or reject), up to an expiry.</summary>
public sealed class ApprovalAction : StepAction<ApprovalInputs, ApprovalOutputs>, IPlannableAction
{
    /// <summary>The name the action is registered under; definitions, the approval policy and notifications match steps by it.</summary>
    public const string Name = "core.approval";

    /// <inheritdoc />
    public Task<StepPlan> PlanAsync(PlanContext context)
    {
        var inputs = context.GetInputs<ApprovalInputs>();
        var plan = new StepPlanBuilder();
        var message = context.WhenKnown("message") is { } when ? $"a message {when}" : $"\"{inputs.Message}\"";
        if (context.IsKnown("expiresIn"))
        {
            if (Duration.TryParse(inputs.ExpiresIn, out var err) is { } d)
            {
                var atExpiry = inputs.OnExpiry == "approve" ? "approves the step" : "fails the step";
                plan.Passed("expiresIn", $"the request stays open {inputs.ExpiresIn} ({d}); no decision by then {atExpiry}");
            }
            else
            {
                plan.Error("expiresIn", "with.expiresIn", err ?? "not a duration");
            }
        }

        return Task.FromResult(plan.Build(PlanAction.NoChange, $"waits for an operator to approve {message}"));
    }

    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(ApprovalInputs inputs, StepContext context)
    {
        var now = context.Clock.GetUtcNow();
        var state = context.GetState<ApprovalState>();
        if (state is null)
        {
            var d = Duration.TryParse(inputs.ExpiresIn, out var err)
                ?? throw new StepFailedException("inputs.invalid", $"with.expiresIn: {err}", retryable: false);
            // The message is kept in the step's state and shown in the inbox, the decision dialog and notifications:
            // a secret interpolated into it (message: "… ${{ inputs.password }}") is masked before it is kept.
            state = new ApprovalState(now + d, context.Redact(inputs.Message), now);
            context.Log.WriteLine($"Approval requested: {state.Message} (expires {state.ExpiresAt:u})");
        }

        if (context.Signal is { Name: "approval" } s)
        {
            var approved = s.Payload.TryGetProperty("approved", out var a) && a.ValueKind == JsonValueKind.True;
            var comment = s.Payload.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;

            // With required: n, the signal comes with the last approval and names everyone who approved.
            var by = s.Payload.TryGetProperty("by", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : s.Actor;
            context.Log.WriteLine($"{(approved ? "Approved" : "Rejected")} by {by}{(comment is null ? "" : $": {comment}")}");
            return Task.FromResult<StepResult>(approved
                ? Completed(new ApprovalOutputs(true, by, comment, s.At))
                : StepResult.Failed("approval.rejected", $"Rejected by {by}{(comment is null ? "" : $": {comment}")}", retryable: false));
        }

        if (now >= state.ExpiresAt)
        {
            if (inputs.OnExpiry == "approve")
            {
                context.Log.WriteLine($"No decision before {state.ExpiresAt:u}: approved by expiry (onExpiry: approve)");
                return Task.FromResult<StepResult>(Completed(new ApprovalOutputs(true, "expiry", null, state.ExpiresAt)));
            }

            return Task.FromResult<StepResult>(StepResult.Failed("approval.expired", $"No decision before {state.ExpiresAt:u}", retryable: false));
        }

        // The decision triggers an immediate poll; this one only catches the expiry.
        var wait = state.ExpiresAt - now;
        return Task.FromResult<StepResult>(StepResult.Pending(wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1), $"waiting for approval: {inputs.Message}", state));
    }

}

/// <summary>What <c>core.approval</c> keeps between polls; the approvals inbox reads it too.</summary>
/// <param name="ExpiresAt">When the request expires.</param>
/// <param name="Message">The evaluated message (null in states written before it was kept).</param>
/// <param name="RequestedAt">When the request was first made.</param>
internal sealed record ApprovalState(DateTimeOffset ExpiresAt, string? Message = null, DateTimeOffset? RequestedAt = null);

/// <summary>Inputs of <c>core.http</c>.</summary>
public sealed class HttpInputs
{
    /// <summary>Gets or sets the URL.</summary>
    public required string Url { get; set; }

    /// <summary>Gets or sets the method. Default is GET.</summary>
    public string Method { get; set; } = "GET";

    /// <summary>Gets or sets request headers (values may come from secrets).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Gets or sets the body: a JSON value is sent as application/json, a string as text.</summary>
    public JsonNode? Body { get; set; }

    /// <summary>Gets or sets the accepted status codes. Default is any 2xx.</summary>
    public List<int> ExpectedStatus { get; set; } = [];

    /// <summary>Gets or sets the request timeout, e.g. <c>30s</c>. Default is 30s.</summary>
    public string Timeout { get; set; } = "30s";
}

/// <summary>Outputs of <c>core.http</c>.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Body">The body as text (first 64 KiB).</param>
/// <param name="Json">The body parsed as JSON, when it is JSON.</param>
/// <param name="Headers">The response headers.</param>
public sealed record HttpOutputs(int Status, string Body, JsonNode? Json, Dictionary<string, string> Headers);

/// <summary><c>core.http</c>: one HTTP request with an expected status; 5xx, 429 and connection errors are retryable.</summary>
public sealed class HttpAction(IHttpClientFactory clients) : StepAction<HttpInputs, HttpOutputs>, IPlannableAction
{
    /// <inheritdoc />
    /// <remarks>Sends nothing: a request's effect on the other side cannot be known without making it.</remarks>
    public Task<StepPlan> PlanAsync(PlanContext context)
    {
        var plan = new StepPlanBuilder();
        var method = context.IsKnown("method") ? ((string?)context.Inputs["method"] ?? "GET").ToUpperInvariant() : "(method " + context.WhenKnown("method") + ")";
        string target;
        if (context.WhenKnown("url") is { } when)
        {
            target = $"(URL {when})";
            plan.Deferred("url", $"the URL is {when}");
        }
        else
        {
            var url = (string?)context.Inputs["url"] ?? string.Empty;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                plan.Error("url", "with.url", $"'{url}' is not an absolute http(s) URL");
                return Task.FromResult(plan.Build(PlanAction.Unknown, $"{method} to an invalid URL"));
            }

            // Never show credentials or a query (it may carry a token).
            target = new UriBuilder(uri) { UserName = "", Password = "", Query = "" }.Uri.ToString();
            plan.Passed("url", $"{target} is an absolute {uri.Scheme} URL");
        }

        if (context.IsKnown("timeout") && (string?)context.Inputs["timeout"] is { } timeout && Duration.TryParse(timeout, out var terr) is null)
        {
            plan.Error("timeout", "with.timeout", terr ?? "not a duration");
        }

        var reads = method is "GET" or "HEAD" or "OPTIONS";
        plan.Resource("http.request", $"{method} {target}", reads ? PlanAction.NoChange : PlanAction.Unknown, new Dictionary<string, string>
        {
            ["method"] = method,
            ["url"] = target,
            ["body"] = context.Inputs["body"] is null ? (context.IsKnown("body") ? "none" : "(body " + context.WhenKnown("body") + ")") : "yes",
        });
        return Task.FromResult(plan.Build(
            reads ? PlanAction.NoChange : PlanAction.Unknown,
            $"sends {method} {target} when it runs (nothing sent while planning){(reads ? string.Empty : "; what it changes there is up to the receiver")}"));
    }

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(HttpInputs inputs, StepContext context)
    {
        if (!Uri.TryCreate(inputs.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return StepResult.Failed("inputs.invalid", $"with.url: '{inputs.Url}' is not an absolute http(s) URL", retryable: false);
        }

        var timeout = Duration.TryParse(inputs.Timeout, out var terr) ?? throw new StepFailedException("inputs.invalid", $"with.timeout: {terr}", false);
        var display = new UriBuilder(uri) { UserName = "", Password = "", Query = "" }.Uri.ToString();
        using var request = new HttpRequestMessage(new HttpMethod(inputs.Method.ToUpperInvariant()), uri);
        foreach (var (k, v) in inputs.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(k, v))
            {
                return StepResult.Failed("inputs.invalid", $"with.headers.{k}: not a valid request header", retryable: false);
            }
        }

        if (inputs.Body is JsonValue sv && sv.TryGetValue(out string? text))
        {
            request.Content = new StringContent(text, Encoding.UTF8, "text/plain");
        }
        else if (inputs.Body is not null)
        {
            request.Content = new StringContent(inputs.Body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        cts.CancelAfter(timeout);
        var started = context.Clock.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient("core.http").SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token);
        }
        catch (HttpRequestException e)
        {
            context.Audit.RecordCall(new ExternalCall("http", request.Method.Method, display, null, context.Clock.GetElapsedTime(started), Error: e.Message));
            return StepResult.Failed("http.connection", $"{request.Method} {display}: {e.Message}", retryable: true);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            context.Audit.RecordCall(new ExternalCall("http", request.Method.Method, display, null, context.Clock.GetElapsedTime(started), Error: "timeout"));
            return StepResult.Failed("http.timeout", $"{request.Method} {display}: no answer within {inputs.Timeout}", retryable: true);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            if (body.Length > 65536)
            {
                body = body[..65536];
            }

            var requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault()
                : response.Headers.TryGetValues("x-openstack-request-id", out var oids) ? oids.FirstOrDefault() : null;
            context.Audit.RecordCall(new ExternalCall("http", request.Method.Method, display, status, context.Clock.GetElapsedTime(started), requestId));
            context.Log.WriteLine($"{request.Method} {display} → {status}");
            var ok = inputs.ExpectedStatus.Count == 0 ? status is >= 200 and < 300 : inputs.ExpectedStatus.Contains(status);
            if (!ok)
            {
                var snippet = body.Length > 300 ? body[..300] + "…" : body;
                return StepResult.Failed(
                    "http.status",
                    $"{request.Method} {display} returned {status}{(inputs.ExpectedStatus.Count > 0 ? $" (expected {string.Join(" or ", inputs.ExpectedStatus)})" : "")}: {snippet}",
                    retryable: status >= 500 || status == 429);
            }

            JsonNode? json = null;
            if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            {
                try
                {
                    json = JsonNode.Parse(body);
                }
                catch (JsonException)
                {
                    // Not JSON after all; the text is still in Body.
                }
            }

            var headers = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value), StringComparer.Ordinal);
            return Completed(new HttpOutputs(status, body, json, headers));
        }
    }
}
