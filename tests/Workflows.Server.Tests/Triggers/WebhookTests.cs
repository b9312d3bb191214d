using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Triggers;

[Collection(TriggerHostsCollection.Name)]
public sealed class WebhookTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    public static TheoryData<string> Providers => TriggerHost.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers202WithLocation_AndStartsAWebhookRun_WhenSignatureIsValid(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var response = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app", "1.2.3"), delivery));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await TriggerHost.JsonAsync(response);
        Assert.Equal("accepted", (string?)body["status"]);
        var runId = Guid.Parse((string)body["runId"]!);
        Assert.Equal($"/api/runs/{runId}", response.Headers.Location?.ToString());
        var run = await host.WaitForRunAsync(runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(new TriggerInfo(TriggerKind.Webhook, "github-main", delivery), run.Trigger);
        var detail = await host.Queries.GetAsync(runId);
        Assert.Equal("acme/app", (string?)detail!.Inputs["repo"]);
        Assert.Equal("refs/heads/main", (string?)detail.Inputs["ref"]);
        Assert.Equal("1.2.3", (string?)detail.Inputs["tag"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers401_RecordsTheRejection_AndStartsNoRun_WhenBodyWasTampered(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var request = GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery);
        request.Content = Json(Push("refs/heads/main", "evil/app"));

        var response = await host.Anonymous().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await TriggerHost.JsonAsync(response);
        Assert.Equal("rejected", (string?)body["status"]);
        await AssertNoRunAsync(host, delivery);
        var deliveries = await Deliveries(host, "github-main");
        var recorded = deliveries.Single(d => (string?)d!["id"] == (string?)body["delivery"]);
        Assert.Equal("rejected", (string?)recorded!["status"]);
        Assert.Equal(401, (int)recorded["httpStatus"]!);
        Assert.Equal("***", (string?)recorded["headers"]!["X-Hub-Signature-256"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers401_WhenSignedWithTheWrongSecret(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var response = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery, secret: "wrong secret"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNoRunAsync(host, delivery);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers401_WhenSignatureHeaderIsMissing(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var request = GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery);
        request.Headers.Remove("X-Hub-Signature-256");
        var response = await host.Anonymous().SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("missing X-Hub-Signature-256", (string?)(await TriggerHost.JsonAsync(response))["message"], StringComparison.Ordinal);
        await AssertNoRunAsync(host, delivery);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers401_WhenGenericTimestampIsStale(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var response = await host.Anonymous().SendAsync(Generic(Push("refs/heads/main", "acme/app"), delivery, DateTimeOffset.UtcNow.AddMinutes(-6)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("window", (string?)(await TriggerHost.JsonAsync(response))["message"], StringComparison.Ordinal);
        await AssertNoRunAsync(host, delivery);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_AcceptsGenericSignature_AndGitLabToken(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var generic = await host.Anonymous().SendAsync(Generic(Push("refs/heads/dev", "acme/app"), NewId(), DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.Accepted, generic.StatusCode);

        var gitlabDelivery = NewId();
        var gitlab = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = Json(Push("refs/heads/dev", "acme/app")) };
        gitlab.Headers.Add("X-Gitlab-Token", WebhookFixture.GitLabSecret);
        gitlab.Headers.Add("X-Gitlab-Event-UUID", gitlabDelivery);
        gitlab.Headers.Add("X-Gitlab-Event", "Push Hook");
        var response = await host.Anonymous().SendAsync(gitlab);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await host.Queries.GetAsync(Guid.Parse((string)(await TriggerHost.JsonAsync(response))["runId"]!)))!.Run;
        Assert.Equal(new TriggerInfo(TriggerKind.Webhook, "gitlab", gitlabDelivery), run.Trigger);

        var wrong = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = Json(Push("refs/heads/dev", "acme/app")) };
        wrong.Headers.Add("X-Gitlab-Token", WebhookFixture.GitLabSecret + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().SendAsync(wrong)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers200WithTheOriginalRun_AndStartsNoNewRun_WhenDeliveryIdRepeats(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var first = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var runId = (string?)(await TriggerHost.JsonAsync(first))["runId"];

        var again = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await TriggerHost.JsonAsync(again);
        Assert.Equal("duplicate", (string?)body["status"]);
        Assert.Equal(runId, (string?)body["runId"]);
        Assert.Equal($"/api/runs/{runId}", (string?)body["runUrl"]);
        Assert.Single(await RunsOfAsync(host, delivery));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_TreatsTheSameBodyAsARepeat_WhenThereIsNoDeliveryId(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var payload = Push("refs/heads/main", "acme/" + NewId()[..8]);
        var first = await host.Anonymous().SendAsync(GitHub("github-main", payload, null));
        var again = await host.Anonymous().SendAsync(GitHub("github-main", payload, null));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((string?)(await TriggerHost.JsonAsync(first))["runId"], (string?)(await TriggerHost.JsonAsync(again))["runId"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers413_WhenBodyIsOverOneMebibyte(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var big = "{\"ref\":\"refs/heads/main\",\"pad\":\"" + new string('x', 1024 * 1024) + "\"}";
        var response = await host.Anonymous().SendAsync(GitHub("github-main", big, delivery));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNoRunAsync(host, delivery);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers404_ForAnUnknownHook(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var response = await host.Anonymous().SendAsync(GitHub("no-such-hook", Push("refs/heads/main", "acme/app"), NewId()));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers422NamingTheField_WhenPayloadDoesNotMapToValidInputs(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var payload = new JsonObject { ["ref"] = "refs/heads/main" }.ToJsonString(); // no repository.full_name

        var response = await host.Anonymous().SendAsync(GitHub("github-main", payload, delivery));

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var body = await TriggerHost.JsonAsync(response);
        Assert.Equal("invalid", (string?)body["status"]);
        Assert.Contains("inputs.repo", (string?)body["message"], StringComparison.Ordinal);
        Assert.Contains("payload.repository.full_name", (string?)body["errors"]!["inputs.repo"]![0], StringComparison.Ordinal);
        await AssertNoRunAsync(host, delivery);

        var badTag = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app", "NOT A TAG"), NewId()));
        Assert.Equal((HttpStatusCode)422, badTag.StatusCode);
        Assert.NotNull((await TriggerHost.JsonAsync(badTag))["errors"]!["inputs.tag"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_SaysIgnored_AndStartsNoRun_WhenFilterIsFalse(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var response = await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/feature", "acme/app"), delivery));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await TriggerHost.JsonAsync(response);
        Assert.Equal("ignored", (string?)body["status"]);
        Assert.Contains("no run was started", (string?)body["message"], StringComparison.Ordinal);
        Assert.Null(body["runId"]);
        await AssertNoRunAsync(host, delivery);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_Answers429_WhenTheHookIsOverItsRate(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await host.Anonymous().SendAsync(GitHub("limited", Push("refs/heads/main", "acme/app"), NewId()))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], codes);
        var limited = await host.Anonymous().SendAsync(GitHub("limited", Push("refs/heads/main", "acme/app"), NewId()));
        Assert.True(limited.Headers.RetryAfter is not null);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Receive_UsesDefinitionTriggers_WithTheSecretFromConfiguration(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var accepted = await host.Anonymous().SendAsync(GitHub("from-definition", Push("refs/heads/x", "acme/def"), delivery, secret: WebhookFixture.DefinitionSecret));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var ignored = await host.Anonymous().SendAsync(GitHub("from-definition", Push("refs/heads/x", "acme/def"), NewId(), secret: WebhookFixture.DefinitionSecret, evt: "ping"));
        Assert.Equal("ignored", (string?)(await TriggerHost.JsonAsync(ignored))["status"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Redeliver_StartsANewRun_AndRecordsANewDelivery(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var delivery = NewId();
        var first = await TriggerHost.JsonAsync(await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), delivery)));

        var response = await host.Api().PostAsync($"/api/webhooks/github-main/deliveries/{first["delivery"]}/redeliver", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await TriggerHost.JsonAsync(response);
        Assert.NotEqual((string?)first["runId"], (string?)body["runId"]);
        Assert.NotEqual((string?)first["delivery"], (string?)body["delivery"]);
        var redelivered = (await Deliveries(host, "github-main")).Single(d => (string?)d!["id"] == (string?)body["delivery"])!;
        Assert.Equal((string?)first["delivery"], (string?)redelivered["redeliveryOf"]);
        Assert.Equal("token:test-admin", (string?)redelivered["actor"]);
        var run = (await host.Queries.GetAsync(Guid.Parse((string)body["runId"]!)))!.Run;
        Assert.Equal(TriggerKind.Webhook, run.Trigger.Kind);
        Assert.Equal("github-main", run.Trigger.Actor);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Redeliver_IsRefused_ForADeliveryThatWasNeverAuthenticated(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var rejected = await TriggerHost.JsonAsync(await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), NewId(), secret: "wrong")));
        var response = await host.Api().PostAsync($"/api/webhooks/github-main/deliveries/{rejected["delivery"]}/redeliver", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Api_NeverShowsSecrets_InHooksDeliveriesOrLogs(string provider)
    {
        var host = await fixture.HostAsync(provider);
        await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), NewId()));
        var gitlab = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = Json(Push("refs/heads/main", "acme/app")) };
        gitlab.Headers.Add("X-Gitlab-Token", WebhookFixture.GitLabSecret);
        await host.Anonymous().SendAsync(gitlab);

        var hooks = await host.Api().GetStringAsync("/api/webhooks");
        var deliveries = await host.Api().GetStringAsync("/api/webhooks/gitlab/deliveries") + await host.Api().GetStringAsync("/api/webhooks/github-main/deliveries");

        var hookList = JsonNode.Parse(hooks)!.AsArray();
        Assert.Contains(hookList, h => (string?)h!["name"] == "github-main" && (string?)h["secret"] == Secret.Mask && (bool)h["secretConfigured"]!);
        Assert.Contains(hookList, h => (string?)h!["name"] == "from-definition" && (string?)h["workflow"] == "hooked");
        foreach (var secret in new[] { WebhookFixture.GitHubSecret, "Secret to Everybody", WebhookFixture.GitLabSecret, WebhookFixture.GenericSecret, WebhookFixture.DefinitionSecret })
        {
            Assert.DoesNotContain(secret, hooks, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, deliveries, StringComparison.Ordinal);
            Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetDelivery_ShowsHeadersAndPayload_WithCredentialsAndTheSecretMasked(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var deliveryId = NewId();
        var payload = new JsonObject { ["ref"] = "refs/heads/main", ["repository"] = new JsonObject { ["full_name"] = "acme/app" }, ["note"] = "echo " + WebhookFixture.GitHubSecret }.ToJsonString();
        var request = GitHub("github-main", payload, deliveryId);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer bearer-4711");
        request.Headers.TryAddWithoutValidation("Cookie", "session=cookie-4711");
        request.Headers.TryAddWithoutValidation("X-Acme-Signature", "sha1=acme-4711");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Secretly", "v=" + WebhookFixture.GitHubSecret);
        request.Headers.TryAddWithoutValidation("X-Trace", "trace-kept");
        var received = await TriggerHost.JsonAsync(await host.Anonymous().SendAsync(request));

        var response = await host.Api().GetAsync($"/api/webhooks/github-main/deliveries/{received["delivery"]}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = JsonNode.Parse(text)!;
        var headers = detail["delivery"]!["headers"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("***", headers["Authorization"]);
        Assert.Equal("***", headers["Cookie"]);
        Assert.Equal("***", headers["X-Acme-Signature"]);
        Assert.Equal("***", headers["X-Hub-Signature-256"]);
        Assert.Equal("***", headers["X-Forwarded-Secretly"]);
        Assert.Equal("trace-kept", headers["X-Trace"]);
        Assert.Equal(deliveryId, headers["X-GitHub-Delivery"]);
        Assert.Equal(deliveryId, (string?)detail["delivery"]!["deliveryKey"]);
        Assert.Equal("echo ***", (string?)JsonNode.Parse((string)detail["body"]!)!["note"]);
        foreach (var secret in new[] { WebhookFixture.GitHubSecret, "bearer-4711", "cookie-4711", "acme-4711" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetDelivery_Answers404WithProblemDetails_ForAnotherHooksDelivery(string provider)
    {
        var host = await fixture.HostAsync(provider);
        var received = await TriggerHost.JsonAsync(await host.Anonymous().SendAsync(GitHub("github-main", Push("refs/heads/main", "acme/app"), NewId())));

        var response = await host.Api().GetAsync($"/api/webhooks/gitlab/deliveries/{received["delivery"]}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Api_RequiresOperator_ForWebhooks(string provider)
    {
        var host = await fixture.HostAsync(provider);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("/api/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Api(TriggerHost.ViewerToken).GetAsync("/api/webhooks")).StatusCode);
    }

    internal static string NewId() => Guid.NewGuid().ToString();

    internal static string Push(string gitRef, string repo, string? tag = null)
    {
        var o = new JsonObject { ["ref"] = gitRef, ["repository"] = new JsonObject { ["full_name"] = repo } };
        if (tag is not null)
        {
            o["tag"] = tag;
        }

        return o.ToJsonString();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    internal static HttpRequestMessage GitHub(string hook, string body, string? delivery, string secret = WebhookFixture.GitHubSecret, string evt = "push")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hook}") { Content = Json(body) };
        request.Headers.Add("X-Hub-Signature-256", WebhookSignatures.Sign(new Secret(secret), Encoding.UTF8.GetBytes(body)));
        request.Headers.Add("X-GitHub-Event", evt);
        if (delivery is not null)
        {
            request.Headers.Add("X-GitHub-Delivery", delivery);
        }

        return request;
    }

    private static HttpRequestMessage Generic(string body, string delivery, DateTimeOffset at)
    {
        var ts = at.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/generic") { Content = Json(body) };
        request.Headers.Add("X-Signature", WebhookSignatures.SignGeneric(new Secret(WebhookFixture.GenericSecret), ts, Encoding.UTF8.GetBytes(body)));
        request.Headers.Add("X-Timestamp", ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Delivery-Id", delivery);
        return request;
    }

    internal static async Task<JsonArray> Deliveries(TriggerHost host, string hook) =>
        JsonNode.Parse(await host.Api().GetStringAsync($"/api/webhooks/{hook}/deliveries"))!.AsArray();

    private static async Task<IReadOnlyList<RunSummary>> RunsOfAsync(TriggerHost host, string delivery) =>
        (await host.Queries.ListAsync(new RunFilter { Workflow = "hooked", TriggerKind = TriggerKind.Webhook, PageSize = 500 })).Items.Where(r => r.Trigger.Reference == delivery).ToList();

    private static async Task AssertNoRunAsync(TriggerHost host, string delivery) => Assert.Empty(await RunsOfAsync(host, delivery));
}
