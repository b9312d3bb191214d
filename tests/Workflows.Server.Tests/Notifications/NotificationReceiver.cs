using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Notifications;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedNotification(string Path, string? DeliveryId, string? Event, string Body, bool SignatureValid, string? SignatureError, DateTimeOffset At);

/// <summary>
/// A real HTTP receiver (Kestrel on loopback) for outgoing notifications, as a user would write one: it checks the
/// signature with the shared secret (the generic scheme of <see cref="WebhookSignatures"/>), answers 401 to a bad
/// one, and drops a repeat of a delivery id it has seen (answering 200, as receivers should).
/// </summary>
public sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, byte> seen = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedNotification> all = new();
    private TaskCompletionSource? hold;

    private NotificationReceiver(WebApplication app, Uri baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Gets the receiver's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets the secret that <c>/hook/*</c> deliveries must be signed with.</summary>
    public string Secret { get; } = $"hook-secret-{Guid.NewGuid():N}";

    /// <summary>Gets every request received, repeats included, in arrival order.</summary>
    public IReadOnlyList<ReceivedNotification> All => [.. all];

    /// <summary>Gets the requests that were not repeats of a delivery id already accepted.</summary>
    public IReadOnlyList<ReceivedNotification> Accepted => [.. all.Where(r => r.SignatureValid && r.Path != "/fail").GroupBy(r => r.DeliveryId).Select(g => g.First())];

    /// <summary>Completes when a request arrives while <see cref="HoldNext"/> is in force.</summary>
    public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the receiver on a free loopback port.</summary>
    public static async Task<NotificationReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        NotificationReceiver? self = null;
        // A Delegate, not a RequestDelegate: the IResult must be executed, not dropped.
        app.MapPost("/{**path}", (Func<HttpContext, Task<IResult>>)(h => self!.HandleAsync(h)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new NotificationReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    /// <summary>Makes the next request wait (after it was recorded) until the test kills the sender; it never gets an answer.</summary>
    public void HoldNext()
    {
        Held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        hold = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Lets held requests go on (they answer 200).</summary>
    public void Release() => Interlocked.Exchange(ref hold, null)?.TrySetResult();

    /// <summary>Waits until <paramref name="condition"/> holds over the accepted requests or the limit passes; returns them.</summary>
    public async Task<IReadOnlyList<ReceivedNotification>> WaitForAsync(Func<IReadOnlyList<ReceivedNotification>, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition(Accepted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return Accepted;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Release();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpContext h)
    {
        using var buffer = new MemoryStream();
        await h.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var path = h.Request.Path.Value ?? "";
        var header = (string name) => h.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        var check = path.StartsWith("/hook", StringComparison.Ordinal)
            ? WebhookSignatures.Verify("generic", new Secret(Secret), header, body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))
            : new SignatureCheck(true, null, null);
        var id = header("X-Workflows-Delivery");
        all.Enqueue(new ReceivedNotification(path, id, header("X-Workflows-Event"), System.Text.Encoding.UTF8.GetString(body), check.Valid, check.Error, DateTimeOffset.UtcNow));
        if (!check.Valid)
        {
            return Results.Problem(check.Error, statusCode: 401);
        }

        if (path == "/fail")
        {
            return Results.StatusCode((int)HttpStatusCode.ServiceUnavailable);
        }

        if (hold is { } wait)
        {
            Held.TrySetResult();
            await wait.Task;
        }

        // A repeat is acknowledged and dropped: the receiver's side of "never doubled".
        seen.TryAdd(id ?? "", 0);
        return Results.Ok();
    }
}
