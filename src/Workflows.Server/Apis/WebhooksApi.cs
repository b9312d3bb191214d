using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Workflows.Server.Auth;
using Workflows.Server.Telemetry;
using Workflows.Server.Triggers;

namespace Workflows.Server.Apis;

/// <summary>Webhooks: the signed receiver <c>POST /hooks/{name}</c> and the operator API under <c>/api/webhooks</c>.</summary>
public static class WebhooksApi
{
    /// <summary>Maps <c>/hooks/{name}</c> (anonymous: authenticated by signature) and <c>/api/webhooks</c>.</summary>
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/{name}", ReceiveAsync).AllowAnonymous().WithTags("Webhooks").WithName("ReceiveWebhook")
            .WithSummary("Receives a signed delivery (X-Hub-Signature-256, X-Gitlab-Token, or X-Signature + X-Timestamp) and starts the hook's workflow.")
            .Produces<WebhookResponse>(202).Produces<WebhookResponse>(200).Produces<WebhookResponse>(401).Produces<WebhookResponse>(404)
            .Produces<WebhookResponse>(413).Produces<WebhookResponse>(422).Produces<WebhookResponse>(429);

        var api = app.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization(Roles.CanOperate);
        api.MapGet("/", List).WithName("ListWebhooks").WithSummary("Lists hooks from configuration and definitions; secrets are never shown.");
        api.MapGet("/{name}/deliveries", ListDeliveriesAsync).WithName("ListWebhookDeliveries").WithSummary("Lists a hook's deliveries, newest first, with status, masked headers and the run they started.");
        api.MapGet("/{name}/deliveries/{id}", GetDeliveryAsync).WithName("GetWebhookDelivery").WithSummary("Gets a delivery with its body.");
        api.MapPost("/{name}/deliveries/{id}/redeliver", RedeliverAsync).WithName("RedeliverWebhook")
            .WithSummary("Replays a stored, authenticated delivery (bypassing replay protection); recorded as a new delivery.");
        if (app.ServiceProvider.GetService<TriggerEndpoints>() is { } marker)
        {
            marker.WebhooksMapped = true;
        }

        return app;
    }

    /// <summary>Reads the request headers into a case-insensitive dictionary.</summary>
    internal static Dictionary<string, string> Headers(HttpRequest request) =>
        request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

    private static async Task<IResult> ReceiveAsync(string name, HttpContext http, WebhookRegistry registry, WebhookReceiver receiver, IOptionsMonitor<WebhookOptions> options, ServerMetrics metrics, CancellationToken ct)
    {
        var hook = registry.Find(name);
        if (hook is null)
        {
            metrics.WebhookDelivered("unknown", "not-found");
            return TypedResults.Json(new WebhookResponse("not-found", null, $"no webhook named '{name}'"), statusCode: 404);
        }

        var headers = Headers(http.Request);
        var source = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var max = options.CurrentValue.MaxBodyBytes;
        var body = await ReadLimitedAsync(http.Request, max, ct);
        if (body is null)
        {
            var size = http.Request.ContentLength ?? max + 1L;
            var refused = await receiver.RefuseAsync(hook, headers, source, 413, "too-large", $"the body is larger than {max} bytes", size, ct);
            metrics.WebhookDelivered(hook.Name, refused.Body.Status);
            return Respond(http, refused);
        }

        var outcome = await receiver.ReceiveAsync(hook, body, headers, null, ct, source);
        metrics.WebhookDelivered(hook.Name, outcome.Body.Status);
        return Respond(http, outcome);
    }

    private static IResult Respond(HttpContext http, DeliveryOutcome outcome)
    {
        if (outcome.Location is { } location)
        {
            http.Response.Headers.Location = location;
        }

        if (outcome.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Json(outcome.Body, statusCode: outcome.StatusCode);
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength > max)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static Ok<IReadOnlyList<HookView>> List(WebhookRegistry registry) =>
        TypedResults.Ok<IReadOnlyList<HookView>>(registry.List().Select(HookView.From).ToList());

    private static async Task<Results<Ok<IReadOnlyList<DeliveryRecord>>, ProblemHttpResult>> ListDeliveriesAsync(string name, int? max, WebhookRegistry registry, TriggerStore store, CancellationToken ct)
    {
        var list = await store.ListDeliveriesAsync(name, Math.Clamp(max ?? 100, 1, 1000), ct);
        if (list.Count == 0 && registry.Find(name) is null)
        {
            return TypedResults.Problem(Problems.NotFound($"No webhook named '{name}'."));
        }

        var secret = registry.Find(name)?.Secret;
        return TypedResults.Ok<IReadOnlyList<DeliveryRecord>>(list.Select(d => DeliveryDetail.From(d, null, secret).Delivery).ToList());
    }

    private static async Task<Results<Ok<DeliveryDetail>, ProblemHttpResult>> GetDeliveryAsync(string name, string id, WebhookRegistry registry, TriggerStore store, CancellationToken ct)
    {
        if (await store.GetDeliveryAsync(id, ct) is not { } d || d.Delivery.Hook != name)
        {
            return TypedResults.Problem(Problems.NotFound($"Webhook '{name}' has no delivery {id}."));
        }

        return TypedResults.Ok(DeliveryDetail.From(d.Delivery, d.Body, registry.Find(name)?.Secret));
    }

    private static async Task<IResult> RedeliverAsync(string name, string id, HttpContext http, WebhookRegistry registry, WebhookReceiver receiver, CancellationToken ct)
    {
        if (registry.Find(name) is not { } hook)
        {
            return TypedResults.Problem(Problems.NotFound($"No webhook named '{name}'."));
        }

        return await receiver.RedeliverAsync(hook, id, http.User.Actor(), ct) switch
        {
            null => TypedResults.Problem(Problems.NotFound($"Webhook '{name}' has no delivery {id}.")),
            { StatusCode: 409 } conflict => TypedResults.Problem(statusCode: 409, title: "Cannot redeliver", detail: conflict.Body.Message),
            var outcome => Respond(http, outcome),
        };
    }
}

/// <summary>A hook as listed by the API: the secret is never shown.</summary>
/// <param name="Name">The name.</param>
/// <param name="Url">The path senders post to.</param>
/// <param name="Workflow">The workflow it starts.</param>
/// <param name="Provider">github, gitlab, generic or auto.</param>
/// <param name="Source">configuration or the definition file.</param>
/// <param name="SecretConfigured">Whether a secret is configured (without one, every delivery is rejected).</param>
/// <param name="Secret">Always <c>***</c> or null.</param>
/// <param name="Filter">The filter.</param>
/// <param name="Inputs">The input mapping.</param>
/// <param name="PermitsPerMinute">The sustained rate.</param>
/// <param name="Burst">The burst.</param>
public sealed record HookView(string Name, string Url, string Workflow, string Provider, string Source, bool SecretConfigured, string? Secret, string? Filter, JsonObject Inputs, int PermitsPerMinute, int Burst)
{
    /// <summary>Builds the view of a hook.</summary>
    public static HookView From(HookInfo h) =>
        new(h.Name, $"/hooks/{h.Name}", h.Workflow, h.Provider, h.Source, h.Secret is not null, h.Secret is null ? null : "***", h.Filter, (JsonObject)h.Inputs.DeepClone(), h.PermitsPerMinute, h.Burst);
}

/// <summary>A delivery with its body.</summary>
/// <param name="Delivery">The delivery, its headers masked (credential headers, and any value holding the hook's secret).</param>
/// <param name="Body">The body as text (the hook's secret masked), or null when it was not stored (rejected deliveries).</param>
public sealed record DeliveryDetail(DeliveryRecord Delivery, string? Body)
{
    /// <summary>Builds the detail, masking again with today's rules and secret (rows stored before a rule existed are covered too).</summary>
    public static DeliveryDetail From(DeliveryRecord delivery, byte[]? body, Workflows.Abstractions.Secrets.Secret? secret) => new(
        delivery with { Headers = WebhookReceiver.MaskHeaders(delivery.Headers.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.ToString() ?? "")), secret) },
        body is null ? null : WebhookReceiver.MaskSecret(Encoding.UTF8.GetString(body), secret));
}
