using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.DevStack.Install;
using Workflows.DevStack.Tests.Testing;
using Workflows.DevStack.Unstack;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Unstack;

[Collection(SshCollection.Name)]
public sealed class DevStackUnstackActionTests(SshServerFixture ssh)
{
    [SshFact]
    public async Task ExecuteAsync_RunsUnstackAndClean_WhenCompensatingACompletedInstall()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var install = new TestStepContext(services, inputs);
        var (installed, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), install);
        Results.Completed<DevStackInstallOutputs>(installed);

        var undo = new TestStepContext(services, UnstackInputs(inputs, clean: true), idempotencyKey: $"{install.RunId}:devstack:compensate")
        {
            CompensationTarget = new CompensationTarget("devstack", install.IdempotencyKey, null, null),
        };
        var (result, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackUnstackAction>(), undo);

        var outputs = Results.Completed<DevStackUnstackOutputs>(result);
        Assert.True(outputs.Unstacked);
        Assert.True(outputs.Cleaned);
        Assert.False(outputs.StoppedRunningStack);
        Assert.True(File.Exists(Path.Combine(inputs.DevstackFolder, ".standin-unstacked")));
        Assert.True(File.Exists(Path.Combine(inputs.DevstackFolder, ".standin-cleaned")));
        Assert.Contains("unstack.sh done", undo.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains($"devstack.install:{ssh.Host}:{inputs.DevstackFolder}", undo.Recorder.Deleted);
    }

    [SshFact]
    public async Task ExecuteAsync_StopsTheRunningStackShFirst_WhenCompensatingAnInstallMidWay()
    {
        var gates = ssh.NewGateDir();
        var inputs = ssh.Inputs($"STANDIN_GATE_DIR={gates}");
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var install = new TestStepContext(services, inputs);
        SshServerFixture.Open(gates, 1);
        var (pending, _) = await ActionDriver.RunAsync(
            services.GetRequiredService<DevStackInstallAction>(),
            install,
            stopWhen: (_, _) => install.Recorder.Text.Contains("step 1:", StringComparison.Ordinal));
        var state = JsonSerializer.SerializeToElement(Results.Pending(pending).State);

        var undo = new TestStepContext(services, UnstackInputs(inputs, clean: false), idempotencyKey: $"{install.RunId}:devstack:compensate")
        {
            CompensationTarget = new CompensationTarget("devstack", install.IdempotencyKey, null, state),
        };
        var (result, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackUnstackAction>(), undo);

        var outputs = Results.Completed<DevStackUnstackOutputs>(result);
        Assert.True(outputs.StoppedRunningStack);
        Assert.True(outputs.Unstacked);
        Assert.False(outputs.Cleaned);
        Assert.Contains("Stopped the still-running stack.sh", undo.Recorder.Text, StringComparison.Ordinal);

        // The install, polled again, sees its stack.sh gone without an exit code.
        var (after, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), install);
        Results.Failed(after, "devstack.stack_died");
    }

    [SshFact]
    public async Task ExecuteAsync_CompletesWithNothingToUndo_WhenDevstackWasNeverCheckedOut()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services();
        var undo = new TestStepContext(services, UnstackInputs(inputs, clean: true));

        var result = await services.GetRequiredService<DevStackUnstackAction>().ExecuteAsync(undo);

        var outputs = Results.Completed<DevStackUnstackOutputs>(result);
        Assert.False(outputs.Unstacked);
        Assert.Contains("nothing to undo", undo.Recorder.Text, StringComparison.Ordinal);
    }

    private static DevStackUnstackInputs UnstackInputs(DevStackInstallInputs i, bool clean) => new()
    {
        Host = i.Host,
        Port = i.Port,
        User = i.User,
        PrivateKey = i.PrivateKey,
        HostKeyFingerprint = i.HostKeyFingerprint,
        StackUser = i.StackUser,
        StackHome = i.StackHome,
        DevstackDir = i.DevstackDir,
        Clean = clean,
    };
}
