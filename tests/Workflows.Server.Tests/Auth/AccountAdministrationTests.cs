using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Workflows.Server.Tests.Auth;

/// <summary>Users, passwords and sessions through the API, on the real server (each test with its own users).</summary>
public sealed partial class AccountAdministrationTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private const string Initial = "initial password 0001";
    private const string Chosen = "a new and long password";

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task SignIn_OfANewUser_LeadsToTheChangePasswordPage_AndTheApiRefusesUntilChanged()
    {
        var name = await CreateUserAsync("operator");
        var (client, signIn) = await SignInAsync(name, Initial, "/runs");
        Assert.Equal("/account/password?returnUrl=%2Fruns", signIn.Headers.Location!.ToString());

        var api = await client.GetAsync("/api/workflows");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        var problem = await api.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Password change required", (string?)problem!["title"]);
        Assert.Contains("/api/me/password", (string?)problem["detail"], StringComparison.Ordinal);

        var page = await client.GetAsync("/runs?status=Failed");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/account/password?returnUrl=%2Fruns%3Fstatus%3DFailed", page.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/password")).StatusCode);

        var changed = await client.PostAsJsonAsync("/api/me/password", new { current = Initial, @new = Chosen });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/runs")).StatusCode);

        var (_, again) = await SignInAsync(name, Chosen, "/runs");
        Assert.Equal("/runs", again.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("short one", "new", "at least 12 characters")]
    [InlineData("{name}", "new", "must not be the user name")]
    [InlineData(Initial, "new", "must differ from the current password")]
    public async Task ChangeMyPassword_Refuses_APasswordAgainstThePolicy(string password, string field, string message)
    {
        var name = await CreateUserAsync("viewer", "x" + Guid.NewGuid().ToString("N")[..12]);
        var (client, _) = await SignInAsync(name, Initial);

        var r = await client.PostAsJsonAsync("/api/me/password", new { current = Initial, @new = password.Replace("{name}", name, StringComparison.Ordinal) });

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await r.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(message, (string?)problem!["errors"]![field]![0], StringComparison.Ordinal);
        var (_, stillInitial) = await SignInAsync(name, Initial);
        Assert.StartsWith("/account/password", stillInitial.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeMyPassword_Refuses_AWrongCurrentPassword_NamingTheField()
    {
        var name = await CreateUserAsync("viewer");
        var (client, _) = await SignInAsync(name, Initial);

        var r = await client.PostAsJsonAsync("/api/me/password", new { current = "not the password", @new = Chosen });

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await r.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("The current password is wrong.", (string?)problem!["errors"]!["current"]![0]);
    }

    [Fact]
    public async Task ChangeMyPassword_ExplainsWhere_AConfigurationUsersPasswordIsChanged()
    {
        var (client, _) = await SignInAsync("admin", ServerFactory.AdminPassword);

        var r = await client.PostAsJsonAsync("/api/me/password", new { current = ServerFactory.AdminPassword, @new = Chosen });

        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        Assert.Contains("hash-password", (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeMyPassword_IsRefused_ToAnApiToken()
    {
        var r = await Admin.PostAsJsonAsync("/api/me/password", new { current = "x", @new = Chosen });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("API token has no password", (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisablingAUser_EndsTheirPortalSession_AndTheirTokensAtOnce()
    {
        var name = await CreateUserAsync("operator");
        var (client, _) = await SignInAsync(name, Initial);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/me/password", new { current = Initial, @new = Chosen })).StatusCode);
        var created = await client.PostAsJsonAsync("/api/tokens", new { name = "ci", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await server.ClientWith(token).GetAsync("/api/workflows")).StatusCode);

        var disabled = await Admin.PatchAsJsonAsync($"/api/users/{name}", new { disabled = true });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.True((bool)(await disabled.Content.ReadFromJsonAsync<JsonObject>())!["disabled"]!);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith(token).GetAsync("/api/workflows")).StatusCode);
        var (_, refused) = await SignInAsync(name, Chosen);
        Assert.Contains("error=disabled", refused.Headers.Location!.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Admin.PatchAsJsonAsync($"/api/users/{name}", new { disabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.ClientWith(token).GetAsync("/api/workflows")).StatusCode);
    }

    [Fact]
    public async Task ResettingAPassword_EndsTheSession_AndTheOneTimePasswordForcesAChange()
    {
        var name = await CreateUserAsync("viewer");
        var (client, _) = await SignInAsync(name, Initial);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/me/password", new { current = Initial, @new = Chosen })).StatusCode);

        var reset = await Admin.PostAsJsonAsync($"/api/users/{name}/password", new { });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var oneTime = (string)(await reset.Content.ReadFromJsonAsync<JsonObject>())!["oneTimePassword"]!;
        Assert.Equal(20, oneTime.Length);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        var (_, signIn) = await SignInAsync(name, oneTime);
        Assert.StartsWith("/account/password", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangingARole_EndsTheSession_AndIsInTheSecurityJournalWithTheAdmin()
    {
        var name = await CreateUserAsync("viewer");
        var (client, _) = await SignInAsync(name, Initial);

        Assert.Equal(HttpStatusCode.OK, (await Admin.PatchAsJsonAsync($"/api/users/{name}", new { role = "operator" })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        var events = await Admin.GetFromJsonAsync<JsonArray>("/api/security/events?limit=50");
        Assert.Contains(events!, e => (string?)e!["kind"] == "user-role-changed" && (string?)e["actor"] == "token:admin" && ((string?)e["detail"])!.Contains($"'{name}' is now operator", StringComparison.Ordinal));
        Assert.Contains(events!, e => (string?)e!["kind"] == "user-created" && ((string?)e["detail"])!.Contains($"'{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Users_ListsLocalAndConfigurationUsers_WithTheirSource()
    {
        var name = await CreateUserAsync("operator");
        var (_, _) = await SignInAsync(name, Initial);

        var users = await Admin.GetFromJsonAsync<JsonArray>("/api/users");

        var local = users!.Single(u => (string?)u!["name"] == name)!;
        Assert.Equal("Local", (string?)local["source"]);
        Assert.Equal("operator", (string?)local["role"]);
        Assert.True((bool)local["mustChangePassword"]!);
        Assert.NotNull((string?)local["lastSignInAt"]);
        Assert.Equal("Configuration", (string?)users!.Single(u => (string?)u!["name"] == "admin")!["source"]);
    }

    [Fact]
    public async Task CreateUser_NamesTheField_OfABadNameRoleOrPassword_AndRefusesADuplicate()
    {
        var bad = await Admin.PostAsJsonAsync("/api/users", new { name = "has space", role = "operator" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["name"]);

        var role = await Admin.PostAsJsonAsync("/api/users", new { name = "u" + Guid.NewGuid().ToString("N")[..8], role = "root" });
        Assert.NotNull((await role.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["role"]);

        var weak = await Admin.PostAsJsonAsync("/api/users", new { name = "u" + Guid.NewGuid().ToString("N")[..8], role = "viewer", password = "short" });
        Assert.NotNull((await weak.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["password"]);

        var name = await CreateUserAsync("viewer");
        var dup = await Admin.PostAsJsonAsync("/api/users", new { name, role = "viewer" });
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);

        var configured = await Admin.PatchAsJsonAsync("/api/users/admin", new { disabled = true });
        Assert.Equal(HttpStatusCode.Conflict, configured.StatusCode);
        Assert.Contains("configuration", (string?)(await configured.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_AreForAdminsOnly()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(ServerFactory.OperatorToken).GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(ServerFactory.OperatorToken).PostAsJsonAsync("/api/users", new { name = "x", role = "admin" })).StatusCode);
    }

    [Fact]
    public async Task CreateUser_WithoutAPassword_GeneratesAOneTimePassword_ThatSignsIn()
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var r = await Admin.PostAsJsonAsync("/api/users", new { name, role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var oneTime = (string)(await r.Content.ReadFromJsonAsync<JsonObject>())!["oneTimePassword"]!;

        var (_, signIn) = await SignInAsync(name, oneTime);
        Assert.StartsWith("/account/password", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangePasswordForm_ChangesThePassword_AndGoesBackWhereTheUserWasGoing()
    {
        var name = await CreateUserAsync("viewer");
        var (client, _) = await SignInAsync(name, Initial, "/runs");
        var page = await client.GetStringAsync("/account/password?returnUrl=%2Fruns");
        var af = AntiforgeryRegex().Match(page).Groups[1].Value;

        var mismatch = await client.PostAsync("/account/change-password", Form(af, Initial, Chosen, Chosen + "x"));
        Assert.Contains("error=confirm", mismatch.Headers.Location!.ToString(), StringComparison.Ordinal);
        var wrong = await client.PostAsync("/account/change-password", Form(af, "wrong current pw", Chosen, Chosen));
        Assert.Contains("error=current", wrong.Headers.Location!.ToString(), StringComparison.Ordinal);
        var ok = await client.PostAsync("/account/change-password", Form(af, Initial, Chosen, Chosen));

        Assert.Equal("/runs", ok.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflows")).StatusCode);
    }

    private static FormUrlEncodedContent Form(string antiforgery, string current, string @new, string confirm) => new(new Dictionary<string, string>
    {
        ["__RequestVerificationToken"] = antiforgery,
        ["current"] = current,
        ["new"] = @new,
        ["confirm"] = confirm,
        ["returnUrl"] = "/runs",
    });

    private async Task<string> CreateUserAsync(string role, string? name = null)
    {
        name ??= "u" + Guid.NewGuid().ToString("N")[..12];
        var r = await Admin.PostAsJsonAsync("/api/users", new { name, role, password = Initial });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Null((string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["oneTimePassword"]);
        return name;
    }

    private async Task<(HttpClient Client, HttpResponseMessage SignIn)> SignInAsync(string name, string password, string returnUrl = "/")
    {
        var client = server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/login");
        var token = AntiforgeryRegex().Match(page).Groups[1].Value;
        var r = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = name, ["password"] = password, ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl }));
        Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        return (client, r);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();
}

/// <summary>The last enabled admin, on a server whose configuration holds no admin user.</summary>
public sealed class LastAdminTests(LastAdminTests.Factory server) : IClassFixture<LastAdminTests.Factory>
{
    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task TheLastEnabledAdmin_CanNeitherBeDisabledNorDemoted_UntilAnotherAdminExists()
    {
        var boss = "boss" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsJsonAsync("/api/users", new { name = boss, role = "admin", password = "initial password 0001" })).StatusCode);

        var disable = await Admin.PatchAsJsonAsync($"/api/users/{boss}", new { disabled = true });
        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        var problem = await disable.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("last enabled admin", (string?)problem!["detail"], StringComparison.Ordinal);
        Assert.Equal("disabled", (string?)problem["field"]);
        Assert.Equal(HttpStatusCode.Conflict, (await Admin.PatchAsJsonAsync($"/api/users/{boss}", new { role = "operator" })).StatusCode);

        var deputy = "deputy" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsJsonAsync("/api/users", new { name = deputy, role = "admin", password = "initial password 0001" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PatchAsJsonAsync($"/api/users/{boss}", new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Admin.PatchAsJsonAsync($"/api/users/{deputy}", new { role = "viewer" })).StatusCode);
        var users = await Admin.GetFromJsonAsync<JsonArray>("/api/users");
        Assert.Equal("admin", (string?)users!.Single(u => (string?)u!["name"] == deputy)!["role"]);
    }

    /// <summary>The configuration's user 'admin' is a viewer here, so only stored users can be admins.</summary>
    public sealed class Factory : ServerFactory
    {
        protected override void ConfigureMore(IWebHostBuilder builder) => builder.UseSetting("Auth:Users:0:Role", "viewer");
    }
}
