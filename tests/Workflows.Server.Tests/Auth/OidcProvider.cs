using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Server.Tests.Auth;

/// <summary>The OpenID Connect provider the test command starts (.ci/services/oidc.sh): its address, client and the users' password.</summary>
public static class OidcProvider
{
    /// <summary>Gets the provider's issuer URL.</summary>
    public static string Authority => Require("WORKFLOWS_TEST_OIDC_AUTHORITY");

    /// <summary>Gets the test client's id.</summary>
    public static string ClientId => Require("WORKFLOWS_TEST_OIDC_CLIENT_ID");

    /// <summary>Gets the test client's secret.</summary>
    public static string ClientSecret => Require("WORKFLOWS_TEST_OIDC_CLIENT_SECRET");

    /// <summary>Gets the password of alice, bob and carol.</summary>
    public static string Password => Require("WORKFLOWS_TEST_OIDC_PASSWORD");

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"{name} is not set: start the provider with `bash .ci/services/oidc.sh start` (the test command, .ci/test.sh, does) and load $WF_TEST_ENV.");
}

/// <summary>
/// The real server on Kestrel (a loopback port: the provider redirects a real client to it) with single sign-on
/// through the test provider: platform-admins → admin, developers → operator, and a workflow only platform-admins run.
/// </summary>
public class SsoServerFactory : ServerFactory
{
    public SsoServerFactory()
    {
        UseKestrel(0);
        File.WriteAllText(Path.Combine(base.WorkflowsDirectory, "restricted.yaml"), """
            name: restricted
            description: Only platform admins may run this
            permissions:
              run: [platform-admins]
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 10ms }
            """);
    }

    /// <summary>Gets the server's base address.</summary>
    public Uri Address
    {
        get
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }
    }

    /// <summary>Gets the client secret the server is given (a derived factory gives a wrong one).</summary>
    protected virtual string ClientSecret => OidcProvider.ClientSecret;

    protected override Uri? ServerAddress => Address;

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Auth:Oidc:Authority", OidcProvider.Authority);
        builder.UseSetting("Auth:Oidc:ClientId", OidcProvider.ClientId);
        builder.UseSetting("Auth:Oidc:ClientSecret", ClientSecret);
        builder.UseSetting("Auth:Oidc:DisplayName", "Test IdP");
        builder.UseSetting("Auth:Oidc:RequireHttpsMetadata", "false");
        builder.UseSetting("Auth:Oidc:Scopes:0", "openid");
        builder.UseSetting("Auth:Oidc:Scopes:1", "profile");
        builder.UseSetting("Auth:Oidc:Scopes:2", "groups");
        builder.UseSetting("Auth:Oidc:RoleMappings:0:Value", "platform-admins");
        builder.UseSetting("Auth:Oidc:RoleMappings:0:Role", "admin");
        builder.UseSetting("Auth:Oidc:RoleMappings:1:Value", "developers");
        builder.UseSetting("Auth:Oidc:RoleMappings:1:Role", "operator");
        builder.UseSetting("Auth:Oidc:RoleMappings:2:Value", "everyone");
        builder.UseSetting("Auth:Oidc:RoleMappings:2:Role", "viewer");
    }
}

/// <summary>A browser stand-in: one cookie jar for the server and the provider, following redirects as a browser does.</summary>
public sealed partial class SsoBrowser(Uri server) : IDisposable
{
    private readonly CookieContainer cookies = new();
    private HttpClient? client;

    /// <summary>Gets the HTTP client (cookies kept, redirects followed).</summary>
    public HttpClient Http => client ??= new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = true, MaxAutomaticRedirections = 20 }) { BaseAddress = server };

    /// <summary>Gets whether the portal's sign-in cookie is set.</summary>
    public bool HasSession => cookies.GetCookies(server).Any(c => c.Name == "workflows.auth");

    /// <summary>Starts single sign-on and answers the provider's login form; returns the last response of the redirect chain.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string user, string password, string returnUrl = "/")
    {
        var login = await Http.GetAsync($"/account/sso?returnUrl={Uri.EscapeDataString(returnUrl)}");
        var html = await login.Content.ReadAsStringAsync();
        Assert.True(login.StatusCode == HttpStatusCode.OK && html.Contains("id=\"login-form\"", StringComparison.Ordinal), $"expected the provider's login form, got {(int)login.StatusCode} at {login.RequestMessage?.RequestUri}: {html[..Math.Min(html.Length, 400)]}");
        var action = new Uri(login.RequestMessage!.RequestUri!, FormAction().Match(html).Groups[1].Value);
        return await Http.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = user, ["password"] = password }));
    }

    /// <inheritdoc />
    public void Dispose() => client?.Dispose();

    [GeneratedRegex("action=\"([^\"]+)\"")]
    internal static partial Regex FormAction();
}
