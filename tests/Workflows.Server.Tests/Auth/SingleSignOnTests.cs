using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.Server.Tests.Auth;

/// <summary>Single sign-on through a real OpenID Connect provider (oidc-provider) with groups mapped to roles.</summary>
public sealed partial class SingleSignOnTests(SsoServerFactory server) : IClassFixture<SsoServerFactory>
{
    [Fact]
    public async Task Alice_InPlatformAdmins_SignsInAsAdmin_AndLandsWhereSheWasGoing()
    {
        using var browser = new SsoBrowser(server.Address);
        var landed = await browser.SignInAsync("alice", OidcProvider.Password, "/runs?status=Failed");

        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal("/account/sso/complete", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("url=/runs?status=Failed", WebUtility.HtmlDecode(await landed.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        var me = await browser.Http.GetFromJsonAsync<JsonObject>("/api/me");
        Assert.Equal("oidc:alice", (string?)me!["name"]);
        Assert.Equal("alice (SSO)", (string?)me["displayName"]);
        Assert.Equal("admin", (string?)me["role"]);
        Assert.Equal("oidc", (string?)me["auth"]);
        Assert.Contains("platform-admins", me["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Contains(await SecurityEventsAsync(), e => (string?)e["kind"] == "sign-in" && (string?)e["actor"] == "oidc:alice" && ((string?)e["detail"])!.Contains("as admin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bob_InDevelopers_IsAnOperator_WhoMayNotRunAWorkflowRestrictedToPlatformAdmins()
    {
        using var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("bob", OidcProvider.Password);

        Assert.Equal("operator", (string?)(await browser.Http.GetFromJsonAsync<JsonObject>("/api/me"))!["role"]);
        var refused = await browser.Http.PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Only members of 'platform-admins' (or an admin) may run 'restricted'.", (string?)problem!["detail"]);
        Assert.Equal(HttpStatusCode.Accepted, (await browser.Http.PostAsJsonAsync("/api/workflows/hello/runs", new { inputs = new { who = "bob" } })).StatusCode);

        // Nor plan it: a plan reads the cloud with the server's credentials.
        var plan = await browser.Http.PostAsJsonAsync("/api/workflows/restricted/plan", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.Forbidden, plan.StatusCode);
        Assert.Equal("Only members of 'platform-admins' (or an admin) may run 'restricted'.", (string?)(await plan.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.PostAsJsonAsync("/api/workflows/hello/plan", new { inputs = new { who = "bob" } })).StatusCode);
    }

    [Fact]
    public async Task Alice_MayRunTheRestrictedWorkflow_AndSoMayAnAdminToken_ButNotAnOperatorToken()
    {
        using var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("alice", OidcProvider.Password);

        Assert.Equal(HttpStatusCode.Accepted, (await browser.Http.PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await server.ClientWith(ServerFactory.AdminToken).PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(ServerFactory.OperatorToken).PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } })).StatusCode);
        var listed = await server.ClientWith(ServerFactory.ViewerToken).GetFromJsonAsync<JsonObject>("/api/workflows/restricted");
        Assert.Equal(["platform-admins"], listed!["permissions"]!["run"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task Carol_InNoMappedGroup_GetsTheNotAuthorizedPage_NoSession_AndTheAttemptIsAudited()
    {
        using var browser = new SsoBrowser(server.Address);
        var landed = await browser.SignInAsync("carol", OidcProvider.Password);

        Assert.Equal(HttpStatusCode.Forbidden, landed.StatusCode);
        Assert.Equal("/account/denied", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Not authorized", await landed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(browser.HasSession);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/me")).StatusCode);
        var refused = (await SecurityEventsAsync()).Single(e => (string?)e["kind"] == "sign-in-refused" && (string?)e["actor"] == "oidc:carol");
        Assert.Contains("no role for groups none", (string?)refused["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnSsoUser_CreatesATokenWithAtMostTheirOwnRole_SeesOnlyTheirOwnTokens_AndItWorks()
    {
        using var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("bob", OidcProvider.Password);

        var tooHigh = await browser.Http.PostAsJsonAsync("/api/tokens", new { name = "bob-admin", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, tooHigh.StatusCode);
        Assert.Contains("at most your own role (operator)", (string?)(await tooHigh.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
        var created = await browser.Http.PostAsJsonAsync("/api/tokens", new { name = "bob-ci", role = "operator", expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
        var viaToken = await server.ClientWith(token).GetFromJsonAsync<JsonObject>("/api/me");
        Assert.Equal("operator", (string?)viaToken!["role"]);
        Assert.Equal("token:bob-ci", (string?)viaToken["name"]);
        Assert.Equal(HttpStatusCode.Created, (await server.ClientWith(ServerFactory.AdminToken).PostAsJsonAsync("/api/tokens", new { name = "someone-else", role = "viewer" })).StatusCode);
        var mine = await browser.Http.GetFromJsonAsync<JsonArray>("/api/tokens");
        Assert.All(mine!, t => Assert.Equal("oidc:bob", (string?)t!["createdBy"]));
        Assert.Contains(mine!, t => (string?)t!["name"] == "bob-ci");
    }

    [Fact]
    public async Task AnSsoUsersToken_CarriesTheirGroups_SoAnOperatorTokenOfAlice_MayRunTheRestrictedWorkflow_AndBobsMayNot()
    {
        using var alice = new SsoBrowser(server.Address);
        await alice.SignInAsync("alice", OidcProvider.Password);
        using var bob = new SsoBrowser(server.Address);
        await bob.SignInAsync("bob", OidcProvider.Password);

        // Alice is an admin through platform-admins; her operator token runs the restricted workflow through the group alone.
        var hers = await alice.Http.PostAsJsonAsync("/api/tokens", new { name = "alice-ci", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, hers.StatusCode);
        var created = (await hers.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["platform-admins", "everyone"], created["groups"]!.AsArray().Select(g => (string?)g));
        using var aliceToken = server.ClientWith((string)created["token"]!);
        var me = (await aliceToken.GetFromJsonAsync<JsonObject>("/api/me"))!;
        Assert.Equal("operator", (string?)me["role"]);
        Assert.Equal(["platform-admins", "everyone"], me["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal(HttpStatusCode.Accepted, (await aliceToken.PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } })).StatusCode);

        // Bob's token gets his groups, which do not include platform-admins.
        var his = (await (await bob.Http.PostAsJsonAsync("/api/tokens", new { name = "bob-groups", role = "operator" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["developers", "everyone"], his["groups"]!.AsArray().Select(g => (string?)g));
        using var bobToken = server.ClientWith((string)his["token"]!);
        var refused = await bobToken.PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Only members of 'platform-admins' (or an admin) may run 'restricted'.", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);

        // The tokens list shows each token's groups.
        var listed = (await bob.Http.GetFromJsonAsync<JsonArray>("/api/tokens"))!.Single(t => (string?)t!["name"] == "bob-groups")!;
        Assert.Equal(["developers", "everyone"], listed["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Contains(await SecurityEventsAsync(), e => (string?)e["kind"] == "token-created" && (string?)e["actor"] == "oidc:bob" && ((string?)e["detail"])!.Contains("groups developers, everyone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATokensGroups_AreAtMostTheCreatorsOwn_ButAnAdminMayNameAny()
    {
        using var bob = new SsoBrowser(server.Address);
        await bob.SignInAsync("bob", OidcProvider.Password);

        var refused = await bob.Http.PostAsJsonAsync("/api/tokens", new { name = "bob-escalate", role = "operator", groups = new[] { "developers", "platform-admins" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'platform-admins' is not one of them (yours: 'developers', 'everyone')", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
        Assert.DoesNotContain((await bob.Http.GetFromJsonAsync<JsonArray>("/api/tokens"))!, t => (string?)t!["name"] == "bob-escalate");

        // Fewer than his own is fine: a token for a job that needs only one of them.
        var fewer = (await (await bob.Http.PostAsJsonAsync("/api/tokens", new { name = "bob-dev", role = "viewer", groups = new[] { "developers" } })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["developers"], fewer["groups"]!.AsArray().Select(g => (string?)g));

        // An admin token (configured, no groups of its own) names the group of a release bot's operator token.
        using var admin = server.ClientWith(ServerFactory.AdminToken);
        var invalid = await admin.PostAsJsonAsync("/api/tokens", new { name = "release-bot", role = "operator", groups = new[] { "platform-admins", " " } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.NotNull((await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["groups[1]"]);
        var bot = await admin.PostAsJsonAsync("/api/tokens", new { name = "release-bot", role = "operator", groups = new[] { "platform-admins" } });
        Assert.Equal(HttpStatusCode.Created, bot.StatusCode);
        using var botToken = server.ClientWith((string)(await bot.Content.ReadFromJsonAsync<JsonObject>())!["token"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await botToken.PostAsJsonAsync("/api/workflows/restricted/runs", new { inputs = new { } })).StatusCode);
    }

    [Fact]
    public async Task SigningOut_EndsTheSessionHere_AndAtTheProvider()
    {
        using var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("alice", OidcProvider.Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/me")).StatusCode);

        // The provider asks to confirm (its end_session page); a browser user presses "Yes, sign me out".
        var confirm = await browser.Http.PostAsync("/account/logout", null);
        var html = await confirm.Content.ReadAsStringAsync();
        Assert.StartsWith(OidcProvider.Authority, confirm.RequestMessage!.RequestUri!.ToString(), StringComparison.Ordinal);
        var action = new Uri(confirm.RequestMessage.RequestUri, SsoBrowser.FormAction().Match(html).Groups[1].Value);
        var xsrf = Xsrf().Match(html).Groups[1].Value;
        var back = await browser.Http.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string> { ["xsrf"] = xsrf, ["logout"] = "yes" }));

        Assert.Equal("/login", back.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("signedOut=1", back.RequestMessage.RequestUri.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/me")).StatusCode);

        // Signing in again shows the provider's login form: its session ended too (no silent sign-in).
        var again = await browser.Http.GetAsync("/account/sso");
        Assert.Contains("id=\"login-form\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(await SecurityEventsAsync(), e => (string?)e["kind"] == "sign-out" && (string?)e["actor"] == "oidc:alice");
    }

    [Fact]
    public async Task NeitherTheClientSecret_NorThePassword_NorTheTokens_ReachTheLogOrTheJournal()
    {
        using var browser = new SsoBrowser(server.Address);
        await browser.SignInAsync("alice", OidcProvider.Password);
        await browser.Http.GetAsync("/api/me");

        var journal = await server.ClientWith(ServerFactory.AdminToken).GetStringAsync("/api/security/events?limit=1000");
        var log = await File.ReadAllTextAsync(server.LogFile);
        Assert.Contains("Security: sign-in oidc:alice", log, StringComparison.Ordinal); // the log does hold the sign-in
        foreach (var secret in new[] { OidcProvider.ClientSecret, OidcProvider.Password })
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, journal, StringComparison.Ordinal);
        }

        // A JWT (the ID token) starts with the base64url of '{"' in its header.
        Assert.DoesNotContain("eyJ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", journal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSignInPage_OffersSingleSignOn_BesideTheLocalUserForm()
    {
        var page = await server.ClientWith(null).GetStringAsync("/login?returnUrl=%2Fruns");
        Assert.Contains("Sign in with Test IdP", page, StringComparison.Ordinal);
        Assert.Contains("account/sso?returnUrl=%2Fruns", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"login-form\"", page, StringComparison.Ordinal);
    }

    private async Task<List<JsonObject>> SecurityEventsAsync() =>
        (await server.ClientWith(ServerFactory.AdminToken).GetFromJsonAsync<JsonArray>("/api/security/events?limit=1000"))!.Select(e => e!.AsObject()).ToList();

    [GeneratedRegex("name=\"xsrf\" value=\"([^\"]+)\"")]
    private static partial Regex Xsrf();
}
