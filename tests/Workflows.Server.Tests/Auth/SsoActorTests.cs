using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.Server.Tests.Auth;

/// <summary>
/// A single sign-on alice (the real provider's) and a local alice on one server: distinct actors in runs, the audit,
/// approvals and tokens; approval policies name both with a bare name and one of them with <c>local:</c> or <c>oidc:</c>.
/// </summary>
public sealed partial class SsoActorTests(SsoActorTests.Factory server) : IClassFixture<SsoActorTests.Factory>
{
    private const string LocalPassword = "Tz7-orchid-lantern-91";

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task ApiMe_TellsTheTwoAlicesApart()
    {
        using var sso = await SsoAliceAsync();
        using var local = await LocalAliceAsync();

        var ssoMe = (await sso.Http.GetFromJsonAsync<JsonObject>("/api/me"))!;
        var localMe = (await local.GetFromJsonAsync<JsonObject>("/api/me"))!;

        Assert.Equal(("oidc:alice", "alice (SSO)", "oidc"), ((string?)ssoMe["name"], (string?)ssoMe["displayName"], (string?)ssoMe["auth"]));
        Assert.Equal(("alice", "alice", "cookie"), ((string?)localMe["name"], (string?)localMe["displayName"], (string?)localMe["auth"]));
    }

    [Fact]
    public async Task SsoAlice_MayApproveLocalAlicesRun_WhenThePolicyNamesBareAlice_AndTheAuditShowsTwoActors()
    {
        using var sso = await SsoAliceAsync();
        using var local = await LocalAliceAsync();
        var run = await StartWaitingAsync(local, "alice-gate");

        // Not self-approval: the starter is the local alice, the approver the single sign-on one.
        var approved = await sso.Http.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { comment = "from the other alice" });

        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        await WaitForStatusAsync(run, "Succeeded");
        var detail = (await Admin.GetFromJsonAsync<JsonObject>($"/api/runs/{run}"))!;
        Assert.Equal("alice", (string?)detail["run"]!["trigger"]!["actor"]);
        var audit = (await Admin.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/audit"))!;
        Assert.Equal("alice", (string?)audit.Single(a => (string?)a!["kind"] == "run.created")!["actor"]);
        var approval = audit.Single(a => (string?)a!["kind"] == "approval.approved")!;
        Assert.Equal("oidc:alice", (string?)approval["actor"]);
        Assert.Equal("user alice", (string?)approval["data"]!["via"]);
        Assert.Contains("approved by alice (SSO) (as user alice)", (string?)approval["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SsoAlice_MayNotApprove_WhenThePolicyNamesLocalAlice_NorLocalAliceHerOwnRun()
    {
        using var sso = await SsoAliceAsync();
        using var local = await LocalAliceAsync();
        var run = await StartWaitingAsync(Admin, "local-alice-gate");
        var own = await StartWaitingAsync(local, "local-alice-gate");

        var refused = await sso.Http.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { });
        var self = await local.PostAsJsonAsync($"/api/runs/{own}/steps/gate/approve", new { });
        var allowed = await local.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Approvers are user local:alice; alice (SSO) is none of them.", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("You started this run; self-approval is not allowed.", (string?)(await self.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        await WaitForStatusAsync(run, "Succeeded");
        Assert.Equal(HttpStatusCode.Accepted, (await Admin.PostAsJsonAsync($"/api/runs/{own}/cancel", new { reason = "done" })).StatusCode);
    }

    [Fact]
    public async Task SsoAlice_MayNotApproveHerOwnRun_ButLocalAliceMay_AndAnOidcQualifiedPolicyRefusesLocalAlice()
    {
        using var sso = await SsoAliceAsync();
        using var local = await LocalAliceAsync();
        var hers = await StartWaitingAsync(sso.Http, "alice-gate");
        var ssoOnly = await StartWaitingAsync(Admin, "sso-alice-gate");

        var self = await sso.Http.PostAsJsonAsync($"/api/runs/{hers}/steps/gate/approve", new { });
        var byLocal = await local.PostAsJsonAsync($"/api/runs/{hers}/steps/gate/approve", new { });
        var localRefused = await local.PostAsJsonAsync($"/api/runs/{ssoOnly}/steps/gate/approve", new { });
        var bySso = await sso.Http.PostAsJsonAsync($"/api/runs/{ssoOnly}/steps/gate/approve", new { });

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("You started this run; self-approval is not allowed.", (string?)(await self.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Accepted, byLocal.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, localRefused.StatusCode);
        Assert.Equal("Approvers are user oidc:alice; alice is none of them.", (string?)(await localRefused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Accepted, bySso.StatusCode);
        await WaitForStatusAsync(hers, "Succeeded");
        await WaitForStatusAsync(ssoOnly, "Succeeded");
        var detail = (await Admin.GetFromJsonAsync<JsonObject>($"/api/runs/{hers}"))!;
        Assert.Equal("oidc:alice", (string?)detail["run"]!["trigger"]!["actor"]);
        var audit = (await Admin.GetFromJsonAsync<JsonArray>($"/api/runs/{hers}/audit"))!;
        Assert.Equal(["oidc:alice", "alice"], new[] { "run.created", "approval.approved" }.Select(k => (string?)audit.Single(a => (string?)a!["kind"] == k)!["actor"]));
        var refusal = audit.Single(a => (string?)a!["kind"] == "approval.refused")!;
        Assert.Equal("oidc:alice", (string?)refusal["actor"]);
    }

    [Fact]
    public async Task TheSecurityJournalAndTheTokens_KeepTheTwoAlicesApart()
    {
        using var sso = await SsoAliceAsync();
        using var local = await LocalAliceAsync();
        var tokenName = "t" + Guid.NewGuid().ToString("N")[..10];

        Assert.Equal(HttpStatusCode.Created, (await sso.Http.PostAsJsonAsync("/api/tokens", new { name = tokenName, role = "viewer" })).StatusCode);

        var ssoTokens = (await sso.Http.GetFromJsonAsync<JsonArray>("/api/tokens"))!;
        var localTokens = (await local.GetFromJsonAsync<JsonArray>("/api/tokens"))!;
        Assert.Equal("oidc:alice", (string?)ssoTokens.Single(t => (string?)t!["name"] == tokenName)!["createdBy"]);
        Assert.DoesNotContain(localTokens, t => (string?)t!["name"] == tokenName);
        var events = (await Admin.GetFromJsonAsync<JsonArray>("/api/security/events?limit=1000"))!;
        Assert.Contains(events, e => (string?)e!["kind"] == "sign-in" && (string?)e["actor"] == "oidc:alice");
        Assert.Contains(events, e => (string?)e!["kind"] == "sign-in" && (string?)e["actor"] == "alice");
        var users = (await Admin.GetFromJsonAsync<JsonArray>("/api/users"))!;
        Assert.Equal("Local", (string?)users.Single(u => (string?)u!["name"] == "alice")!["source"]);
        Assert.Equal("SingleSignOn", (string?)users.Single(u => (string?)u!["name"] == "oidc:alice")!["source"]);
    }

    private async Task<SsoBrowser> SsoAliceAsync()
    {
        var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("alice", OidcProvider.Password);
        return browser;
    }

    private async Task<HttpClient> LocalAliceAsync()
    {
        await server.EnsureLocalAliceAsync(Admin);
        return await SignInLocallyAsync(server.Address, LocalPassword);
    }

    /// <summary>Signs the local alice in through the sign-in form (antiforgery token and cookies, as a browser does).</summary>
    private static async Task<HttpClient> SignInLocallyAsync(Uri address, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };
        var page = await client.GetStringAsync("/login");
        var token = AntiforgeryRegex().Match(page).Groups[1].Value;
        var r = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "alice", ["password"] = password, ["__RequestVerificationToken"] = token, ["returnUrl"] = "/" }));
        Assert.True(r.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.SeeOther, $"the local alice's sign-in answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        return client;
    }

    private async Task<Guid> StartWaitingAsync(HttpClient client, string workflow)
    {
        var r = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var id = (Guid)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await WaitForStatusAsync(id, "WaitingForApproval");
        return id;
    }

    private async Task WaitForStatusAsync(Guid id, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = (await Admin.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;
            if ((string?)last["run"]!["status"] == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"run {id} never became {status}: {last}");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();

    /// <summary>The single sign-on server with three approval gates: bare <c>alice</c>, <c>local:alice</c> and <c>oidc:alice</c>.</summary>
    public sealed class Factory : SsoServerFactory
    {
        private readonly SemaphoreSlim aliceLock = new(1, 1);
        private bool aliceCreated;

        public Factory()
        {
            foreach (var (name, user) in new[] { ("alice-gate", "alice"), ("local-alice-gate", "local:alice"), ("sso-alice-gate", "oidc:alice") })
            {
                File.WriteAllText(Path.Combine(WorkflowsDirectory, name + ".yaml"), $$"""
                    name: {{name}}
                    steps:
                      - id: gate
                        uses: core.approval
                        with: { message: "Go on?", approvers: { users: [{{user}}] } }
                    """);
            }
        }

        /// <summary>Creates the local operator alice once (the single sign-on alice is the provider's, an admin).</summary>
        public async Task EnsureLocalAliceAsync(HttpClient admin)
        {
            await aliceLock.WaitAsync();
            try
            {
                if (!aliceCreated)
                {
                    // A new local user must change the password at first sign-in: do that once, here.
                    const string initial = "Qm4-harbor-violet-28";
                    var r = await admin.PostAsJsonAsync("/api/users", new { name = "alice", role = "operator", password = initial });
                    Assert.Equal(HttpStatusCode.Created, r.StatusCode);
                    using var first = await SignInLocallyAsync(Address, initial);
                    var changed = await first.PostAsJsonAsync("/api/me/password", new { current = initial, @new = LocalPassword });
                    Assert.True(changed.IsSuccessStatusCode, $"changing the local alice's password answered {(int)changed.StatusCode}: {await changed.Content.ReadAsStringAsync()}");
                    aliceCreated = true;
                }
            }
            finally
            {
                aliceLock.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            aliceLock.Dispose();
            base.Dispose(disposing);
        }
    }
}
