using Workflows.Abstractions.Actions;
using Workflows.DevStack.Install;

namespace Workflows.DevStack.Tests.Install;

public sealed class PreflightTests
{
    private static Dictionary<string, string> Facts(string id, string version) => new()
    {
        ["os_id"] = id,
        ["os_version"] = version,
        ["cpus"] = "8",
        ["mem_kb"] = "16000000",
        ["disk_kb"] = "100000000",
        ["sudo"] = "yes",
    };

    [Theory]
    [InlineData("ubuntu", "22.04")]
    [InlineData("ubuntu", "24.04")]
    [InlineData("debian", "12")]
    [InlineData("rocky", "9.4")]
    [InlineData("centos", "9")]
    public void Check_Passes_WhenOsIsSupportedAndHostIsBigEnough(string id, string version) =>
        Preflight.Check(Facts(id, version), new DevStackOptions(), "ssh://u@h:22");

    [Theory]
    [InlineData("ubuntu", "20.04", "preflight.os_unsupported")]
    [InlineData("fedora", "40", "preflight.os_unsupported")]
    public void Check_FailsNonRetryably_WhenOsIsUnsupported(string id, string version, string code)
    {
        var ex = Assert.Throws<StepFailedException>(() => Preflight.Check(Facts(id, version), new DevStackOptions(), "ssh://u@h:22"));

        Assert.Equal(code, ex.ErrorCode);
        Assert.False(ex.Retryable);
    }

    [Fact]
    public void Check_NamesEveryShortfall_WhenHostIsTooSmallAndHasNoSudo()
    {
        var facts = Facts("ubuntu", "24.04");
        facts["cpus"] = "1";
        facts["mem_kb"] = "2000000";
        facts["disk_kb"] = "5000000";
        facts["sudo"] = "no";

        var ex = Assert.Throws<StepFailedException>(() => Preflight.Check(facts, new DevStackOptions(), "ssh://u@h:22"));

        Assert.Equal("preflight.resources", ex.ErrorCode);
        Assert.Contains("1 CPU(s)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1953 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4 GiB free", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sudo", ex.Message, StringComparison.Ordinal);
    }
}
