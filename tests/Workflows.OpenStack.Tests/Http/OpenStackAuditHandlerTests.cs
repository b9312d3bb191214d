using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Http;

[Collection(SandboxCollection.Name)]
public sealed class OpenStackAuditHandlerTests(SandboxFixture fixture)
{
    [Fact]
    public async Task Calls_AreAuditedInTheCurrentStep_WhenAStepContextAccessorIsRegistered()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var context = new TestStepContext(fixture.Services, new { });
        services.AddSingleton<IStepContextAccessor>(new FixedAccessor(context));
        services.AddOpenStack(o =>
        {
            o.UseCloudsYamlSearchPath = false;
            o.UseEnvironmentVariables = false;
        });
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(fixture.Sandbox.Cloud));

        await provider.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").Network.ListNetworksAsync("public");

        Assert.Contains(context.Recorder.Calls, c => c.Service == "identity" && c.Method == "POST" && c.Endpoint == "/identity/v3/auth/tokens" && c.Status == 201);
        var call = Assert.Single(context.Recorder.Calls, c => c.Service == "network");
        Assert.Equal(new ExternalCall("network", "GET", "/networking/v2.0/networks", 200, call.Duration, call.RequestId), call);
        Assert.StartsWith("req-", call.RequestId);
    }

    private sealed class FixedAccessor(StepContext context) : IStepContextAccessor
    {
        public StepContext? Current => context;
    }
}
