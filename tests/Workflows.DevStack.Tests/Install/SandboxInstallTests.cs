using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.DevStack.Install;
using Workflows.DevStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Install;

public sealed class SandboxInstallTests
{
    [Fact]
    public async Task ExecuteAsync_SimulatesWithLabelledLinesAndOutputsTheSandboxCloud_WhenHostIsSandbox()
    {
        var catalog = new FakeCloudCatalog();
        using var services = SshServerFixture.Services(catalog);
        var context = new TestStepContext(services, new DevStackInstallInputs { Host = "sandbox" });

        var (result, polls) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), context);

        var outputs = Results.Completed<DevStackInstallOutputs>(result);
        Assert.True(polls.Count >= 4, $"expected a few simulated polls, saw {polls.Count}");
        Assert.All(polls, p => Assert.StartsWith("SANDBOX", p.Result.Progress, StringComparison.Ordinal));
        var lines = context.Recorder.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("[SANDBOX] ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("SIMULATED", StringComparison.Ordinal) && l.Contains("nothing is installed", StringComparison.Ordinal));
        Assert.True(outputs.Simulated);
        Assert.Equal("sandbox", outputs.CloudName);
        Assert.Equal(FakeCloudCatalog.Sandbox.AuthUrl, outputs.KeystoneUrl);
        Assert.Null(outputs.AdminPassword);
        Assert.False(outputs.Registered);
        Assert.Empty(catalog.Registered);
        Assert.Empty(context.Recorder.Calls);
        Assert.Empty(context.Recorder.Recorded);
    }

    [Fact]
    public async Task ExecuteAsync_FailsClearly_WhenHostIsSandboxButNoSandboxCloudExists()
    {
        using var services = SshServerFixture.Services();
        var context = new TestStepContext(services, new DevStackInstallInputs { Host = "sandbox" });

        var result = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(context);

        var failed = Results.Failed(result, "devstack.sandbox_unavailable");
        Assert.False(failed.Retryable);
    }
}
