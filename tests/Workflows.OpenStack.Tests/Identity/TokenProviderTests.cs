using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Identity;
using Workflows.OpenStack.Tests.Testing;

namespace Workflows.OpenStack.Tests.Identity;

[Collection(SandboxCollection.Name)]
public sealed class TokenProviderTests(SandboxFixture fixture)
{
    [Fact]
    public async Task GetAsync_ReturnsTheCachedToken_WhenItIsFarFromExpiry()
    {
        var tokens = fixture.Services.GetRequiredService<TokenProvider>();

        var first = await tokens.GetAsync("sandbox");
        var second = await tokens.GetAsync("sandbox");

        Assert.Same(first, second);
        Assert.Equal(new Uri(fixture.Sandbox.BaseUrl, "/compute/v2.1"), first.Catalog.GetEndpoint("compute", "public", "RegionOne"));
    }

    [Fact]
    public async Task Calls_AuthenticateOnceMore_WhenTheTokenWasRevoked()
    {
        await using var services = fixture.CreateServices();
        services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(fixture.Sandbox.Cloud));
        var tokens = services.GetRequiredService<TokenProvider>();
        var revoked = await tokens.GetAsync("sandbox");
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(fixture.Sandbox.AuthUrl + "/auth/tokens"));
            request.Headers.Add("X-Auth-Token", revoked.Value.Reveal());
            request.Headers.Add("X-Subject-Token", revoked.Value.Reveal());
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        var flavors = await services.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").Compute.ListFlavorsAsync();

        Assert.Contains(flavors, f => f.Name == "m1.tiny");
        Assert.NotEqual(revoked.Value, (await tokens.GetAsync("sandbox")).Value);
    }

    [Fact]
    public async Task Connect_AuthenticatesWithApplicationCredential_WhenTheCloudUsesOne()
    {
        var token = await fixture.Services.GetRequiredService<TokenProvider>().GetAsync("sandbox");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{fixture.Sandbox.AuthUrl}/users/{token.UserId}/application_credentials"))
        {
            Content = JsonContent.Create(new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "ci-" + Guid.NewGuid().ToString("N")[..6] } }),
        };
        request.Headers.Add("X-Auth-Token", token.Value.Reveal());
        using var response = await http.SendAsync(request);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!["application_credential"]!;
        fixture.Services.GetRequiredService<IOpenStackClouds>().Add(new CloudDefinition
        {
            Name = "appcred",
            AuthUrl = fixture.Sandbox.BaseUrl + "identity",
            AuthType = CloudDefinition.ApplicationCredentialAuth,
            ApplicationCredentialId = created["id"]!.GetValue<string>(),
            ApplicationCredentialSecret = new Secret(created["secret"]!.GetValue<string>()),
            RegionName = "RegionOne",
        });

        var images = await fixture.Services.GetRequiredService<IOpenStackClientFactory>().Connect("appcred").Image.ListImagesAsync("cirros");

        Assert.Single(images);
    }

    [Fact]
    public async Task GetAsync_ThrowsAuthenticationError_WhenThePasswordIsWrong()
    {
        fixture.Services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(fixture.Sandbox.Cloud) with { Name = "wrong", Password = new Secret("not-the-password-123") });

        var ex = await Assert.ThrowsAsync<OpenStackAuthenticationException>(() => fixture.Services.GetRequiredService<TokenProvider>().GetAsync("wrong"));

        Assert.Contains("requires authentication", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-123", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AuthenticatesAgain_WhenTheCloudWasReplacedUnderTheSameName()
    {
        var clouds = fixture.Services.GetRequiredService<IOpenStackClouds>();
        var tokens = fixture.Services.GetRequiredService<TokenProvider>();
        clouds.Add(CloudDefinition.FromRegistration(fixture.Sandbox.CloudNamed("rotated")));
        await tokens.GetAsync("rotated");

        clouds.Add(CloudDefinition.FromRegistration(fixture.Sandbox.CloudNamed("rotated")) with { Password = new Secret("rotated-wrong-pw") });

        await Assert.ThrowsAsync<OpenStackAuthenticationException>(() => tokens.GetAsync("rotated"));
    }
}
