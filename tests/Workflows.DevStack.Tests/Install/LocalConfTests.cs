using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;

namespace Workflows.DevStack.Tests.Install;

public sealed class LocalConfTests
{
    [Fact]
    public void Render_WritesLocalrcWithPasswordsRangesPluginsAndExtraLines()
    {
        var inputs = new DevStackInstallInputs
        {
            Host = "10.0.0.5",
            HostIp = "10.0.0.5",
            FloatingRange = "172.24.4.0/24",
            FixedRange = "10.11.12.0/24",
            Plugins = ["magnum", "heat https://mirror.example/heat master"],
            ExtraLocalConf = ["LIBS_FROM_GIT=python-openstackclient", "[[post-config|$NOVA_CONF]]", "[DEFAULT]", "debug = True"],
        };

        var conf = LocalConf.Render(inputs, "s3cret-pass");

        Assert.Equal(
            """
            # Written by Workflows (devstack.install); edits are replaced on the next install.
            [[local|localrc]]
            ADMIN_PASSWORD=s3cret-pass
            DATABASE_PASSWORD=$ADMIN_PASSWORD
            RABBIT_PASSWORD=$ADMIN_PASSWORD
            SERVICE_PASSWORD=$ADMIN_PASSWORD
            DEST=/opt/stack
            REGION_NAME=RegionOne
            HOST_IP=10.0.0.5
            FLOATING_RANGE=172.24.4.0/24
            FIXED_RANGE=10.11.12.0/24
            enable_plugin magnum https://opendev.org/openstack/magnum stable/2025.1
            enable_plugin heat https://mirror.example/heat master
            LIBS_FROM_GIT=python-openstackclient
            [[post-config|$NOVA_CONF]]
            [DEFAULT]
            debug = True

            """,
            conf);
    }

    [Theory]
    [InlineData("hostIp", "not-an-ip")]
    [InlineData("fixedRange", "10.0.0.0/99")]
    [InlineData("stackHome", "relative/path")]
    [InlineData("adminPassword", "has space in it")]
    [InlineData("plugins", "Bad Name url branch extra")]
    public void Validate_FailsNonRetryablyNamingTheField_WhenAnInputIsInvalid(string field, string value)
    {
        var inputs = new DevStackInstallInputs { Host = "h" };
        switch (field)
        {
            case "hostIp": inputs.HostIp = value; break;
            case "fixedRange": inputs.FixedRange = value; break;
            case "stackHome": inputs.StackHome = value; break;
            case "adminPassword": inputs.AdminPassword = new Secret(value); break;
            case "plugins": inputs.Plugins = [value]; break;
        }

        var ex = Assert.Throws<StepFailedException>(() => LocalConf.Validate(inputs));

        Assert.Equal("inputs.invalid", ex.ErrorCode);
        Assert.False(ex.Retryable);
        Assert.Contains(field + ":", ex.Message, StringComparison.Ordinal);
        if (field == "adminPassword")
        {
            Assert.DoesNotContain(value, ex.Message, StringComparison.Ordinal);
        }
    }
}
