using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.Server.Tests.Apis;

public sealed partial class ServerApiTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task Healthz_IsAnonymous_AndChecksTheDatabaseAndHangfire()
    {
        var r = await server.ClientWith(null).GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("Healthy", await r.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/workflows")]
    [InlineData("/api/runs")]
    [InlineData("/api/resources")]
    [InlineData("/openapi/v1.json")]
    public async Task Endpoints_RequireAuthentication(string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith(null).GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith("wft_not_a_real_token").GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Viewer.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Portal_RedirectsToSignIn_WhenAnonymous()
    {
        var r = await server.ClientWith(null).GetAsync("/runs");
        Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        Assert.StartsWith("/login", r.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HangfireDashboard_IsForAdminsOnly()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Operator.GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task Workflows_AreListed_AndBrokenFilesReportedWithLineAndColumn()
    {
        var list = await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows");
        Assert.Contains(list!, w => (string?)w!["name"] == "hello");
        var errors = await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows/errors");
        var e = Assert.Single(errors!);
        Assert.Equal("steps[a].uses", (string?)e!["field"]);
        Assert.Equal(4, (int)e["line"]!);
        Assert.Contains("core.nope", (string?)e["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRun_Answers202WithLocation_AndTheRunFinishes()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "world" } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();
        Assert.Matches("^/api/runs/[0-9a-f-]{36}$", location);
        var run = await WaitAsync(location, "Succeeded");
        Assert.Equal("token:operator", (string?)run["run"]!["trigger"]!["actor"]);
        Assert.Equal("Api", (string?)run["run"]!["trigger"]!["kind"]);
        Assert.Equal("Skipped", (string?)run["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "gate")!["status"]);
        var audit = await Viewer.GetFromJsonAsync<JsonArray>(location + "/audit");
        Assert.Contains(audit!, a => (string?)a!["kind"] == "run.finished");
    }

    [Fact]
    public async Task LogText_IsAnAttachmentNamedAfterTheWorkflowAndShortId_WithEveryLinesTimeAndStepAsTheLogApiGivesThem()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "logs" } });
        var location = r.Headers.Location!.ToString();
        var id = location["/api/runs/".Length..];
        await WaitAsync(location, "Succeeded");

        var download = await Viewer.GetAsync(location + "/logs.txt");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"attachment; filename=\"hello-{id[..8]}-logs.txt\"", Assert.Single(download.Content.Headers.GetValues("Content-Disposition")));
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);

        // Each line as the portal shows it: the time (UTC, to the millisecond) and the step of the chunk that wrote it.
        var chunks = (await Viewer.GetFromJsonAsync<JsonObject>(location + "/logs"))!["chunks"]!.AsArray();
        var expected = chunks.SelectMany(c => ((string)c!["text"]!).TrimEnd('\n').Split('\n').Select(line =>
            $"{DateTimeOffset.Parse((string)c["at"]!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} [{(string?)c["stepId"] ?? "run"}] {line}")).ToList();
        var lines = (await download.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Contains(lines, l => l.Contains(" [wait] Waiting 200ms", StringComparison.Ordinal));
        Assert.Equal(expected, lines);
    }

    [Fact]
    public async Task StartRun_IsForbidden_ForViewers()
    {
        var r = await Viewer.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "world" } });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task StartRun_ReturnsProblemDetails_NamingEachBadField()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "UPPER", count = "many", bogus = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var p = await r.Content.ReadFromJsonAsync<JsonObject>();
        var errors = p!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("inputs.who"));
        Assert.True(errors.ContainsKey("inputs.count"));
        Assert.True(errors.ContainsKey("inputs.bogus"));

        var missing = await Operator.GetAsync("/api/workflows/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var nf = await Operator.PostAsJsonAsync("/api/workflows/nope/runs", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.NotFound, nf.StatusCode);
        Assert.Contains("nope", await nf.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRuns_ValidatesFilters_AndFiltersByWorkflow()
    {
        var bad = await Viewer.GetAsync("/api/runs?status=Bogus&pageSize=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var p = await bad.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(p!["errors"]!.AsObject().ContainsKey("status"));
        Assert.True(p["errors"]!.AsObject().ContainsKey("pageSize"));

        var started = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "filter" } });
        var id = started.Headers.Location!.ToString().Split('/').Last();
        var page = await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=hello&trigger=api&pageSize=500");
        Assert.Contains(page!["items"]!.AsArray(), i => (string?)i!["id"] == id);
        var none = await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=other");
        Assert.Equal(0, (int)none!["total"]!);
    }

    [Fact]
    public async Task Approval_ThroughTheApi_ByAnOperator_NotByAViewer_NorByTheStarter()
    {
        var r = await Admin.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "gate", count = 2 } });
        var location = r.Headers.Location!.ToString();
        await WaitAsync(location, "WaitingForApproval", json => json["steps"]!.AsArray().Any(s => (string?)s!["stepId"] == "gate" && (string?)s["status"] == "Waiting"));

        Assert.Equal(HttpStatusCode.Forbidden, (await Viewer.PostAsJsonAsync(location + "/steps/gate/approve", new { comment = "no" })).StatusCode);
        var self = await Admin.PostAsJsonAsync(location + "/steps/gate/approve", new { comment = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("application/problem+json", self.Content.Headers.ContentType?.MediaType);
        Assert.Equal("You started this run; self-approval is not allowed.", (string?)(await self.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Accepted, (await Operator.PostAsJsonAsync(location + "/steps/gate/approve", new { comment = "lgtm" })).StatusCode);
        await WaitAsync(location, "Succeeded");
        var again = await Operator.PostAsJsonAsync(location + "/steps/gate/approve", new { comment = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var audit = await Viewer.GetFromJsonAsync<JsonArray>(location + "/audit");
        Assert.Contains(audit!, a => (string?)a!["kind"] == "approval.approved" && (string?)a["actor"] == "token:operator");
    }

    [Fact]
    public async Task Cancel_AndRetry_AnswerConflictOrValidationProblems_WhenTheyDoNotFit()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "late" } });
        var location = r.Headers.Location!.ToString();
        await WaitAsync(location, "Succeeded");
        var cancel = await Operator.PostAsJsonAsync(location + "/cancel", new { reason = "too late" });
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        var retry = await Operator.PostAsJsonAsync(location + "/retry", new { fromStep = "ghost" });
        Assert.Equal(HttpStatusCode.BadRequest, retry.StatusCode);
        Assert.Contains("fromStep", await retry.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Operator.PostAsJsonAsync($"/api/runs/{Guid.NewGuid()}/cancel", new { })).StatusCode);
    }

    [Fact]
    public async Task Secrets_NeverReachTheApiTheAuditOrTheServerLog()
    {
        const string secret = "tok-9f8e7d6c5b4a-SECRET";
        var r = await Operator.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "secretive", token = secret } });
        var location = r.Headers.Location!.ToString();
        var run = await WaitAsync(location, "Succeeded");
        Assert.Equal("***", (string?)run["inputs"]!["token"]);
        var everything = (await Viewer.GetStringAsync(location)) + await Viewer.GetStringAsync(location + "/audit") + await Viewer.GetStringAsync(location + "/logs") + await Admin.GetStringAsync("/hangfire/jobs/succeeded");
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await File.ReadAllTextAsync(server.LogFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_AreCreatedByAdmins_ShownOnce_AndWork()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Operator.PostAsJsonAsync("/api/tokens", new { name = "x", role = "viewer" })).StatusCode);
        var bad = await Admin.PostAsJsonAsync("/api/tokens", new { name = "", role = "root" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var created = await (await Admin.PostAsJsonAsync("/api/tokens", new { name = "ci", role = "viewer", expiresInDays = 30 })).Content.ReadFromJsonAsync<JsonObject>();
        var token = (string)created!["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await server.ClientWith(token).GetAsync("/api/workflows")).StatusCode);
        var listed = await Admin.GetStringAsync("/api/tokens");
        Assert.Contains("ci", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/tokens/{(string)created["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith(token).GetAsync("/api/workflows")).StatusCode);
    }

    [Fact]
    public async Task SignIn_WithAntiforgery_SetsTheCookie_AndRejectsAWrongPassword()
    {
        var client = server.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/login");
        var token = AntiforgeryRegex().Match(page).Groups[1].Value;
        Assert.NotEmpty(token);

        var wrong = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = "nope", ["__RequestVerificationToken"] = token, ["returnUrl"] = "/runs" }));
        Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        Assert.Contains("error=1", wrong.Headers.Location!.ToString(), StringComparison.Ordinal);

        var noToken = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = ServerFactory.AdminPassword }));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);

        var ok = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = ServerFactory.AdminPassword, ["__RequestVerificationToken"] = token, ["returnUrl"] = "https://evil.example/" }));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Equal("/", ok.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/hangfire")).StatusCode);
    }

    private async Task<JsonObject> WaitAsync(string location, string status, Func<JsonObject, bool>? extra = null)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = await Viewer.GetFromJsonAsync<JsonObject>(location);
            if ((string?)last!["run"]!["status"] == status && (extra is null || extra(last)))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not reach {status}: {last?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();
}
