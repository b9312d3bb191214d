using System.Net;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Triggers;

/// <summary>Strangers cannot block a hook: failed deliveries are limited per source, signed ones per hook, and every refusal is recorded.</summary>
[Collection(TriggerHostsCollection.Name)]
public sealed class WebhookRateLimitTests
{
    public static TheoryData<string> Providers => TriggerHost.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_AcceptsASignedDelivery_AfterAFloodOfUnsignedOnes(string provider)
    {
        await using var host = await StartAsync(provider);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            var unsigned = WebhookTests.GitHub("guarded", WebhookTests.Push("refs/heads/main", "evil/app"), WebhookTests.NewId(), secret: "guessed");
            codes.Add((await host.Anonymous().SendAsync(unsigned)).StatusCode);
        }

        var delivery = WebhookTests.NewId();
        var signed = await host.Anonymous().SendAsync(WebhookTests.GitHub("guarded", WebhookTests.Push("refs/heads/main", "acme/app"), delivery));

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 3).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 22)), codes);
        Assert.Equal(HttpStatusCode.Accepted, signed.StatusCode);
        var run = Guid.Parse((string)(await TriggerHost.JsonAsync(signed))["runId"]!);
        Assert.Equal(Abstractions.Runs.RunStatus.Succeeded, (await host.WaitForRunAsync(run)).Status);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_RecordsEveryRefusal_IncludingThe429s(string provider)
    {
        await using var host = await StartAsync(provider);
        var answers = new List<JsonObject>();
        for (var i = 0; i < 5; i++)
        {
            var response = await host.Anonymous().SendAsync(WebhookTests.GitHub("guarded", WebhookTests.Push("refs/heads/main", "evil/app"), WebhookTests.NewId(), secret: "guessed"));
            var body = await TriggerHost.JsonAsync(response);
            answers.Add(body);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.StartsWith("too many failed deliveries from ", (string?)body["message"], StringComparison.Ordinal);
            }
        }

        var deliveries = await WebhookTests.Deliveries(host, "guarded");
        foreach (var answer in answers)
        {
            var recorded = deliveries.Single(d => (string?)d!["id"] == (string?)answer["delivery"])!;
            Assert.Equal((string?)answer["status"], (string?)recorded["status"]);
        }

        Assert.Equal(2, deliveries.Count(d => (string?)d!["status"] == "rate-limited" && (int)d["httpStatus"]! == 429));
        Assert.Equal(3, deliveries.Count(d => (string?)d!["status"] == "rejected"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_LimitsSignedDeliveriesPerHook_AndAnOperatorCanRedeliverTheRefusedOne(string provider)
    {
        await using var host = await StartAsync(provider);
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await host.Anonymous().SendAsync(WebhookTests.GitHub("guarded", WebhookTests.Push("refs/heads/main", "acme/app"), WebhookTests.NewId())));
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], responses.Select(r => r.StatusCode));
        Assert.NotNull(responses[2].Headers.RetryAfter);
        var refused = await TriggerHost.JsonAsync(responses[2]);
        Assert.Equal("rate-limited", (string?)refused["status"]);
        Assert.Null(refused["runId"]);
        var recorded = (await WebhookTests.Deliveries(host, "guarded")).Single(d => (string?)d!["id"] == (string?)refused["delivery"])!;
        Assert.Equal(429, (int)recorded["httpStatus"]!);

        var redelivered = await host.Api().PostAsync($"/api/webhooks/guarded/deliveries/{refused["delivery"]}/redeliver", null);

        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        var run = Guid.Parse((string)(await TriggerHost.JsonAsync(redelivered))["runId"]!);
        Assert.Equal(Abstractions.Runs.RunStatus.Succeeded, (await host.WaitForRunAsync(run)).Status);
    }

    private static Task<TriggerHost> StartAsync(string provider) => TriggerHost.StartAsync(
        provider,
        new Dictionary<string, string> { ["hooked"] = WebhookFixture.Workflow },
        new Dictionary<string, string?>
        {
            ["Webhooks:Hooks:0:Name"] = "guarded",
            ["Webhooks:Hooks:0:Workflow"] = "hooked",
            ["Webhooks:Hooks:0:Secret"] = WebhookFixture.GitHubSecret,
            ["Webhooks:Hooks:0:Provider"] = "github",
            ["Webhooks:Hooks:0:Inputs:repo"] = "${{ payload.repository.full_name }}",
            ["Webhooks:Hooks:0:Inputs:ref"] = "${{ payload.ref }}",
            ["Webhooks:Hooks:0:PermitsPerMinute"] = "1",
            ["Webhooks:Hooks:0:Burst"] = "2",
            ["Webhooks:UnauthenticatedPermitsPerMinute"] = "1",
            ["Webhooks:UnauthenticatedBurst"] = "3",
        });
}
