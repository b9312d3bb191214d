using System.Text.Json.Nodes;
using Workflows.Server.Tests.Hosting;
using Xunit.Abstractions;

namespace Workflows.Server.Tests.Notifications;

/// <summary>
/// A published server process (PostgreSQL) killed with SIGKILL after a run finished and while its notification was
/// on the wire (the receiver had it, the server had not recorded the answer): after the restart the notification is
/// delivered again with the same delivery id, so the receiver keeps exactly one, and the audit shows one delivery.
/// </summary>
public sealed class NotificationCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private NotificationReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await NotificationReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    [Fact]
    public async Task A_notification_in_flight_when_the_server_is_killed_is_delivered_exactly_once_after_the_restart()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        const string N = "Workflows__Notifications__";
        await using var server = await PublishedServer.StartAsync(cs, new Dictionary<string, string>
        {
            [N + "Channels__ops__Type"] = "webhook",
            [N + "Channels__ops__Url"] = receiver.BaseUrl + "hook/ops",
            [N + "Channels__ops__Secret"] = receiver.Secret,
            [N + "Rules__0__Events__0"] = "run.succeeded",
            [N + "Rules__0__Workflows__0"] = "wait-a-moment",
            [N + "Rules__0__Channel"] = "ops",
            // A short lease, so the restarted server takes over the delivery its predecessor held within seconds.
            [N + "Timeout"] = "00:00:03",
            [N + "Lease"] = "00:00:05",
            [N + "PollInterval"] = "00:00:00.500",
        });
        await server.WaitHealthyAsync(TimeSpan.FromMinutes(2));
        using var client = await server.OperatorClientAsync();
        receiver.HoldNext();

        using var started = await PublishedServer.StartRunAsync(client);
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        var location = started.Headers.Location!;
        await receiver.Held.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await server.KillAsync();
        var first = Assert.Single(receiver.All);
        output.WriteLine($"killed with delivery {first.DeliveryId} on the wire");
        receiver.Release();

        await server.RestartAsync();
        await server.WaitHealthyAsync(TimeSpan.FromMinutes(2));
        var audit = await WaitForAsync(client, location, a => a.Any(e => (string?)e!["kind"] == "notification.delivered"), TimeSpan.FromMinutes(1));

        var all = receiver.All.Where(r => r.DeliveryId == first.DeliveryId).ToList();
        Assert.True(all.Count >= 2, $"expected the delivery again after the restart; got {all.Count}:\n{string.Join('\n', server.Lines.TakeLast(40))}");
        Assert.All(all, r => Assert.True(r.SignatureValid, r.SignatureError));
        var accepted = Assert.Single(receiver.Accepted);
        Assert.Equal(first.DeliveryId, accepted.DeliveryId);
        Assert.Equal("run.succeeded", accepted.Event);
        var delivered = Assert.Single(audit, e => (string?)e!["kind"] == "notification.delivered");
        Assert.Equal(first.DeliveryId, (string?)delivered!["data"]!["deliveryId"]);
        var notes = string.Join('\n', audit.Where(e => ((string?)e!["kind"])!.StartsWith("notification.", StringComparison.Ordinal)).Select(e => $"{e!["at"]} {e["kind"]}: {e["message"]}"));
        output.WriteLine(notes);
        // An attempt may fail around the restart (a loaded machine can time out the first one after it); what must
        // hold is that it was not given up, and that exactly one delivery is on record and kept by the receiver.
        Assert.True(!audit.Any(e => (string?)e!["kind"] is "notification.gave-up"), notes);
        output.WriteLine($"{all.Count} requests with delivery id {first.DeliveryId}, one kept by the receiver; audit: {delivered["message"]}");
    }

    private static async Task<JsonArray> WaitForAsync(HttpClient client, Uri location, Func<JsonArray, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var audit = JsonNode.Parse(await client.GetStringAsync($"{location}/audit"))!.AsArray();
            if (condition(audit) || DateTime.UtcNow > deadline)
            {
                return audit;
            }

            await Task.Delay(200);
        }
    }
}
