using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Actions;

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
