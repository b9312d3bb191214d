using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.DevStack.Install;
using Workflows.DevStack.Unstack;

namespace Workflows.DevStack.Tests;

public sealed class DevStackServiceCollectionExtensionsTests
{
    [Fact]
    public void AddDevStack_RegistersInstallAndUnstackActions_WithTheirTypes()
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DevStack:PollInterval"] = "00:00:42" }).Build())
            .AddDevStack()
            .BuildServiceProvider();

        var descriptors = services.GetServices<ActionDescriptor>().ToDictionary(d => d.Name);

        Assert.Equal(typeof(DevStackInstallInputs), descriptors["devstack.install"].InputType);
        Assert.Equal(typeof(DevStackInstallOutputs), descriptors["devstack.install"].OutputType);
        Assert.Equal(typeof(DevStackUnstackInputs), descriptors["devstack.unstack"].InputType);
        Assert.IsType<DevStackInstallAction>(services.GetRequiredService(descriptors["devstack.install"].ActionType));
        Assert.IsType<DevStackUnstackAction>(services.GetRequiredService(descriptors["devstack.unstack"].ActionType));
        Assert.Equal(TimeSpan.FromSeconds(42), services.GetRequiredService<IOptions<DevStackOptions>>().Value.PollInterval);
    }
}
