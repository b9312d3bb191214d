using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Identity;
using Workflows.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Identity;

/// <summary>Keystone v3 against the real cloud: password and application-credential auth, revoked tokens, wrong passwords.</summary>
[Collection(KeystoneWritersCollection.Name)]
public sealed class AuthenticationTests(AcceptanceFixture fixture) : IClassFixture<AcceptanceFixture>
{
    [AcceptanceFact]
    public async Task PasswordAuth_IssuesAProjectScopedTokenWithACatalog_AndTheClientsUseIt()
    {
        var token = await fixture.Services.GetRequiredService<TokenProvider>().GetAsync(fixture.CloudName);

        Assert.Equal(fixture.Raw.ProjectId, token.ProjectId);
        Assert.Equal(fixture.Raw.UserId, token.UserId);
        Assert.True(token.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(10), $"token expires at {token.ExpiresAt}");
        foreach (var service in new[] { "compute", "network", "image", "container-infra" })
        {
            Assert.Equal(new Uri(fixture.Raw.Endpoint(service)).Authority, token.Catalog.GetEndpoint(service, "public", fixture.Cloud.RegionName).Authority);
        }

        var flavors = await fixture.Connect().Compute.ListFlavorsAsync();
        Assert.Contains(flavors, f => f.Name == fixture.Settings.Flavor);
    }

    [AcceptanceFact]
    public async Task ApplicationCredentialAuth_ReachesTheSameProject_WhenTheCredentialWasCreatedThroughKeystone()
    {
        var raw = fixture.Raw;
        var name = AcceptanceFixture.NewName("appcred");
        var created = (await raw.PostAsync("identity", $"users/{raw.UserId}/application_credentials", new JsonObject
        {
            ["application_credential"] = new JsonObject { ["name"] = name, ["description"] = "workflows acceptance test; deleted at its end" },
        })).Expect(201).Body!["application_credential"]!;
        var id = (string)created["id"]!;
        var secret = (string)created["secret"]!;
        try
        {
            var byId = fixture.Cloud with { Name = name + "-id", AuthType = CloudDefinition.ApplicationCredentialAuth, ApplicationCredentialId = id, ApplicationCredentialSecret = new Secret(secret), Password = null, ProjectName = null };
            var byName = fixture.Cloud with { Name = name + "-name", AuthType = CloudDefinition.ApplicationCredentialAuth, ApplicationCredentialName = name, ApplicationCredentialSecret = new Secret(secret), Password = null, ProjectName = null };
            var clouds = fixture.Services.GetRequiredService<IOpenStackClouds>();
            clouds.Add(byId);
            clouds.Add(byName);
            var tokens = fixture.Services.GetRequiredService<TokenProvider>();

            foreach (var cloud in new[] { byId, byName })
            {
                var token = await tokens.GetAsync(cloud.Name);
                Assert.Equal(raw.ProjectId, token.ProjectId);
                Assert.Equal(raw.UserId, token.UserId);
                var networks = await fixture.Connect(cloud.Name).Network.ListNetworksAsync(fixture.Settings.ExternalNetwork);
                Assert.Single(networks);
                Assert.DoesNotContain(secret, byId.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            (await raw.DeleteAsync("identity", $"users/{raw.UserId}/application_credentials/{id}")).Expect(204);
        }

        // Cleaned up, as Keystone itself tells: the credential is unknown now (Keystone says 404, not 401).
        using var http = new HttpClient();
        var again = await RawOpenStack.PostTokenAsync(http, fixture.Cloud.AuthUrl, new JsonObject
        {
            ["auth"] = new JsonObject { ["identity"] = new JsonObject { ["methods"] = new JsonArray("application_credential"), ["application_credential"] = new JsonObject { ["id"] = id, ["secret"] = secret } } },
        });
        Assert.Equal(404, again.Status);
        Assert.Contains($"Could not find Application Credential: {id}", again.Text, StringComparison.Ordinal);
    }

    [AcceptanceFact]
    public async Task RevokedToken_IsReplacedByOneNewLogin_AndTheCallSucceeds()
    {
        await using var services = fixture.CreateServices();
        var tokens = services.GetRequiredService<TokenProvider>();
        var revoked = await tokens.GetAsync(fixture.CloudName);

        // The admin revokes it before any service has seen (and cached) it.
        (await fixture.Admin.SendAsync(HttpMethod.Delete, "identity", "auth/tokens", headers: new Dictionary<string, string> { ["X-Subject-Token"] = revoked.Value.Reveal() })).Expect(204);
        Assert.Equal(404, (await fixture.Admin.SendAsync(HttpMethod.Get, "identity", "auth/tokens", headers: new Dictionary<string, string> { ["X-Subject-Token"] = revoked.Value.Reveal() })).Status);

        var recorder = new RunRecorder();
        var os = services.GetRequiredService<IOpenStackClientFactory>().Connect(fixture.CloudName, recorder);
        var servers = await os.Compute.ListServersAsync();

        Assert.NotNull(servers);
        var calls = recorder.Calls.Where(c => c.Service == "compute").Select(c => c.Status).ToList();
        Assert.Equal([401, 200], calls);
        var fresh = await tokens.GetAsync(fixture.CloudName);
        Assert.NotEqual(revoked.Value, fresh.Value);
    }

    [AcceptanceFact]
    public async Task WrongPassword_FailsWithKeystonesMessage_AndNeverShowsThePassword()
    {
        var password = "wrong-" + Guid.NewGuid().ToString("N");
        var cloud = fixture.Cloud with { Name = AcceptanceFixture.NewName("badpw"), Password = new Secret(password) };
        fixture.Services.GetRequiredService<IOpenStackClouds>().Add(cloud);

        var ex = await Assert.ThrowsAsync<OpenStackAuthenticationException>(() => fixture.Connect(cloud.Name).Compute.ListFlavorsAsync());
        Assert.Contains("identity POST /v3/auth/tokens returned 401", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The request you have made requires authentication.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(request req-", ex.Message, StringComparison.Ordinal);

        var recorder = new RunRecorder();
        var result = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = cloud.Name, name = AcceptanceFixture.NewName("badpw") }, recorder: recorder));
        var failure = result.Failure;
        Assert.Equal("openstack.auth", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("The request you have made requires authentication.", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(recorder.Lines, l => l.Contains(password, StringComparison.Ordinal));
    }
}
