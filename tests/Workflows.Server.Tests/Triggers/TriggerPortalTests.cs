using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;
using Workflows.Web.Components.Triggers;

namespace Workflows.Server.Tests.Triggers;

/// <summary>The service behind the portal's Schedules and Webhooks pages.</summary>
[Collection(TriggerHostsCollection.Name)]
public sealed class TriggerPortalTests
{
    private const string Workflow = """
        name: portal
        inputs:
          ref: { type: string, default: none }
        triggers:
          - schedule: { name: daily, cron: "15 2 * * *", timezone: Europe/Berlin }
          - webhook: { name: portal-hook, inputs: { ref: "${{ payload.ref }}" } }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
        """;

    [Fact]
    public async Task Portal_ListsPausesAndRunsSchedules_AndListsAndRedeliversWebhooks_WithoutSecrets()
    {
        const string secret = "portal-secret-31d8";
        await using var host = await TriggerHost.StartAsync("sqlite", new Dictionary<string, string> { ["portal"] = Workflow }, new Dictionary<string, string?> { ["Webhooks:Secrets:portal-hook"] = secret });
        var portal = host.Services.GetRequiredService<ITriggerPortal>();

        var schedule = Assert.Single(await portal.ListSchedulesAsync());
        Assert.Equal(("portal", "daily", "skip", 3), (schedule.Workflow, schedule.Name, schedule.Overlap, schedule.NextFires.Count));
        await portal.SetPausedAsync("portal", "daily", true, "alice");
        Assert.True(Assert.Single(await portal.ListSchedulesAsync()).Paused);
        var ran = await portal.RunNowAsync("portal", "daily", "alice");
        Assert.Equal("started", ran.Outcome);
        Assert.Equal("schedule", (await host.WaitForRunAsync(ran.RunId!.Value)).Trigger.Kind.ToString().ToLowerInvariant());

        var hook = Assert.Single(await portal.ListHooksAsync());
        Assert.Equal(("portal-hook", "/hooks/portal-hook", true), (hook.Name, hook.Url, hook.SecretConfigured));
        var body = """{"ref":"refs/heads/main"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/portal-hook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Hub-Signature-256", WebhookSignatures.Sign(new Secret(secret), Encoding.UTF8.GetBytes(body)));
        await host.Anonymous().SendAsync(request);
        var delivery = Assert.Single(await portal.ListDeliveriesAsync("portal-hook", 10));
        Assert.True(delivery.CanRedeliver);
        var again = await portal.RedeliverAsync("portal-hook", delivery.Id, "alice");
        Assert.Equal("accepted", again.Outcome);
        Assert.NotEqual(delivery.RunId, again.RunId);
        Assert.Equal(2, (await portal.ListDeliveriesAsync("portal-hook", 10)).Count);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));

        // Retention: deliveries (and replay keys) older than the cut-off go.
        Assert.Equal(2, await host.Services.GetRequiredService<TriggerStore>().PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None));
        Assert.Empty(await portal.ListDeliveriesAsync("portal-hook", 10));
    }
}
