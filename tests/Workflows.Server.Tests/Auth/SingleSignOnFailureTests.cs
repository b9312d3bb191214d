using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Server.Tests.Auth;

/// <summary>The server with a client secret the provider does not know.</summary>
public sealed class WrongSecretServerFactory : SsoServerFactory
{
    protected override string ClientSecret => "not-the-secret";
}

/// <summary>The server behind a man in the middle that changes one character of the ID token's signature on its way from the provider.</summary>
public sealed class TamperedTokenServerFactory : SsoServerFactory
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        base.ConfigureMore(builder);
        builder.ConfigureTestServices(s => s.Configure<OpenIdConnectOptions>("oidc", o => o.BackchannelHttpHandler = new TamperingHandler()));
    }

    private sealed class TamperingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal) && response.IsSuccessStatusCode)
            {
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
                var parts = ((string)body["id_token"]!).Split('.');
                var signature = parts[2].ToCharArray();
                signature[10] = signature[10] == 'A' ? 'B' : 'A';
                parts[2] = new string(signature);
                body["id_token"] = string.Join('.', parts);
                response.Content = JsonContent.Create(body);
            }

            return response;
        }
    }
}

/// <summary>
/// The server with no clock skew allowed, behind a network that delivers the provider's token response 2.5 seconds
/// late: erin's ID token (one second of life) has expired when it arrives; anyone else's has not.
/// </summary>
public sealed class SlowTokenServerFactory : SsoServerFactory
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        base.ConfigureMore(builder);
        builder.ConfigureTestServices(s => s.Configure<OpenIdConnectOptions>("oidc", o =>
        {
            o.TokenValidationParameters.ClockSkew = TimeSpan.Zero;
            o.BackchannelHttpHandler = new SlowHandler();
        }));
    }

    private sealed class SlowHandler() : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal))
            {
                // Longer than the one second erin's token lives (exp = iat + 1, in whole seconds), so it is expired
                // on arrival whatever the timing; not a wait for something to happen.
                await Task.Delay(TimeSpan.FromSeconds(2.5), cancellationToken);
            }

            return response;
        }
    }
}

/// <summary>An expired ID token is refused: no session, the reason in the journal; a fresh one still works.</summary>
public sealed class ExpiredIdTokenTests(SlowTokenServerFactory server) : IClassFixture<SlowTokenServerFactory>
{
    [Fact]
    public async Task AnIdTokenThatHasExpired_IsRefused_WithoutASession_WhileAFreshOneThroughTheSameDelayIsAccepted()
    {
        using var erin = new SsoBrowser(server.Address);
        var landed = await erin.SignInAsync("erin", OidcProvider.Password);

        Assert.Equal("/login", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("?error=sso-token", landed.RequestMessage.RequestUri.Query);
        Assert.False(erin.HasSession);
        var events = await server.ClientWith(ServerFactory.AdminToken).GetFromJsonAsync<JsonArray>("/api/security/events");
        Assert.Contains(events!, e => (string?)e!["kind"] == "sso-failed" && (string?)e["detail"] == "the ID token had expired");

        using var alice = new SsoBrowser(server.Address);
        Assert.Equal("/account/sso/complete", (await alice.SignInAsync("alice", OidcProvider.Password)).RequestMessage!.RequestUri!.AbsolutePath);
        Assert.True(alice.HasSession);
    }
}

/// <summary>A wrong client secret: a clear error on the sign-in page, no session, an entry in the security journal.</summary>
public sealed class WrongClientSecretTests(WrongSecretServerFactory server) : IClassFixture<WrongSecretServerFactory>
{
    [Fact]
    public async Task AWrongClientSecret_EndsOnTheSignInPageWithAClearError_WithoutASession()
    {
        // The provider offers pushed authorization requests, so the server authenticates as a client before the
        // user is sent there, and the wrong secret shows before anyone types a password.
        using var browser = new SsoBrowser(server.Address);
        var landed = await browser.Http.GetAsync("/account/sso?returnUrl=%2F");

        Assert.Equal("/login", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("?error=sso-client", landed.RequestMessage.RequestUri.Query);
        Assert.Contains("refused this server&#x27;s client credentials", await landed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(browser.HasSession);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/me")).StatusCode);
        var events = await server.ClientWith(ServerFactory.AdminToken).GetFromJsonAsync<JsonArray>("/api/security/events");
        Assert.Contains(events!, e => (string?)e!["kind"] == "sso-failed" && ((string?)e["detail"])!.Contains("invalid_client", StringComparison.Ordinal));
        Assert.DoesNotContain("not-the-secret", await File.ReadAllTextAsync(server.LogFile), StringComparison.Ordinal);
    }
}

/// <summary>An ID token whose signature was changed in transit is refused: no session, the reason in the journal.</summary>
public sealed class TamperedIdTokenTests(TamperedTokenServerFactory server) : IClassFixture<TamperedTokenServerFactory>
{
    [Fact]
    public async Task AnIdTokenWithAModifiedSignature_IsRefused_WithoutASession()
    {
        using var browser = new SsoBrowser(server.Address);
        var landed = await browser.SignInAsync("alice", OidcProvider.Password);

        Assert.Equal("/login", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("?error=sso-token", landed.RequestMessage.RequestUri.Query);
        Assert.False(browser.HasSession);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/me")).StatusCode);
        var events = await server.ClientWith(ServerFactory.AdminToken).GetFromJsonAsync<JsonArray>("/api/security/events");
        Assert.Contains(events!, e => (string?)e!["kind"] == "sso-failed" && ((string?)e["detail"])!.Contains("signature", StringComparison.Ordinal));
        Assert.DoesNotContain(events!, e => (string?)e!["kind"] == "sign-in");
    }
}

/// <summary>The server with a provider address where nothing listens.</summary>
public sealed class UnreachableProviderServerFactory : SsoServerFactory
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        base.ConfigureMore(builder);
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port; // free once the probe stops
        probe.Stop();
        builder.UseSetting("Auth:Oidc:Authority", $"http://127.0.0.1:{closedPort}");
    }
}

/// <summary>A provider that cannot be reached: the sign-in page says so, local users still sign in.</summary>
public sealed class UnreachableProviderTests(UnreachableProviderServerFactory server) : IClassFixture<UnreachableProviderServerFactory>
{
    [Fact]
    public async Task AnUnreachableProvider_EndsOnTheSignInPageSayingSo_AndTheLocalFormStillWorks()
    {
        using var browser = new SsoBrowser(server.Address);
        var landed = await browser.Http.GetAsync("/account/sso");

        Assert.Equal("?error=sso-unavailable", landed.RequestMessage!.RequestUri!.Query);
        var page = await landed.Content.ReadAsStringAsync();
        Assert.Contains("the identity provider could not be reached", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"login-form\"", page, StringComparison.Ordinal);
        Assert.False(browser.HasSession);
    }
}
