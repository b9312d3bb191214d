using System.Text.Json;
using Workflows.Abstractions;
using Workflows.DevStack.Install;

namespace Workflows.DevStack.Tests.Install;

public sealed class DevStackInstallInputsTests
{
    [Fact]
    public void Deserialize_SplitsPluginsAndLines_WhenWorkflowInputsGiveStrings()
    {
        var inputs = JsonSerializer.Deserialize<DevStackInstallInputs>(
            """{"host":"h","plugins":"magnum, heat https://mirror/heat master","extraLocalConf":"A=1,2\nB=3\n","hostIp":"","adminPassword":""}""",
            JsonDefaults.Options)!;
        inputs.Normalize();

        Assert.Equal(["magnum", "heat https://mirror/heat master"], inputs.Plugins);
        Assert.Equal(["A=1,2", "B=3"], inputs.ExtraLocalConf);
        Assert.Null(inputs.HostIp);
        Assert.Null(inputs.AdminPassword);
        Assert.Equal("/opt/stack/devstack", inputs.DevstackFolder);
        Assert.Equal("devstack-h", inputs.EffectiveCloudName);
    }

    [Fact]
    public void Deserialize_KeepsLists_WhenGivenAsArrays()
    {
        var inputs = JsonSerializer.Deserialize<DevStackInstallInputs>("""{"host":"h","plugins":["magnum","heat"]}""", JsonDefaults.Options)!;

        Assert.Equal(["magnum", "heat"], inputs.Plugins);
    }
}
