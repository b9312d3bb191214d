using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;
using Workflows.DevStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Install;

/// <summary>The plan of devstack.install against the real sshd of .ci/services/sshd.sh and the stand-in devstack.</summary>
[Collection(SshCollection.Name)]
public sealed class DevStackInstallPlanTests(SshServerFixture ssh)
{
    [SshFact]
    public async Task Plan_ShowsCreate_WithThePreflightPassed_AndTouchesNothing_WhenTheHostHasNoDevstack()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services();
        var context = new TestPlanContext(inputs, stepId: "install");

        var plan = await PlanAsync(services, context);

        Assert.Equal(PlanAction.Create, plan.Action);
        var resource = Assert.Single(plan.Resources);
        Assert.Equal(("devstack.install", $"{ssh.Host}:{inputs.DevstackFolder}", PlanAction.Create), (resource.Kind, resource.Name, resource.Action));
        Assert.Equal("heat", resource.Attributes["plugins"]);
        Assert.Equal("devstack-test", resource.Attributes["cloud"]);
        Assert.Equal("(known after stack.sh finished)", resource.Attributes["keystone"]);
        foreach (var check in new[] { "ssh", "preflight.os", "preflight.cpus", "preflight.memory", "preflight.disk", "preflight.sudo", "checkout" })
        {
            Assert.Contains(plan.Checks, c => c.Name == check && c.Outcome == PlanCheckOutcome.Passed);
        }

        Assert.Contains(plan.Checks, c => c.Name == "ssh" && c.Detail.Contains(ssh.HostKeyFingerprint, StringComparison.Ordinal));
        Assert.Empty(plan.Problems);
        Assert.False(Directory.Exists(inputs.StackHome));
        Assert.Equal(["connect", "probe", "preflight", "installed"], context.Recorder.Calls.Select(c => c.Method));
    }

    [SshFact]
    public async Task Plan_IsAnErrorOnTheHost_WhenTheOsIsUnsupported_OrTheHostTooSmall()
    {
        var osRelease = Path.Combine(ssh.WorkDir, $"os-release-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(osRelease, "ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n");
        var inputs = ssh.Inputs();
        inputs.OsReleasePath = osRelease;
        using var services = Services(o => o.MinMemoryMiB = 64 * 1024 * 1024);

        var plan = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install"));

        Assert.Equal(PlanAction.Create, plan.Action);
        Assert.Contains(plan.Checks, c => c.Name == "preflight.os" && c.Outcome == PlanCheckOutcome.Failed && c.Detail.Contains("Alpine Linux v3.20", StringComparison.Ordinal));
        Assert.Contains(plan.Checks, c => c.Name == "preflight.memory" && c.Outcome == PlanCheckOutcome.Failed && c.Detail.Contains("devstack needs at least 67108864 MiB", StringComparison.Ordinal));
        Assert.Contains(plan.Checks, c => c.Name == "preflight.cpus" && c.Outcome == PlanCheckOutcome.Passed);
        Assert.Equal(2, plan.Problems.Count(p => p.Severity == PlanSeverity.Error && p.Field == "with.host"));
    }

    [SshFact]
    public async Task Plan_WarnsThatStackShRunsAgain_WhenDevstackIsInstalledThereAlready()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var (installed, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), new TestStepContext(services, inputs, stepId: "devstack"));
        Results.Completed<DevStackInstallOutputs>(installed);

        var plan = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install"));

        Assert.Equal(PlanAction.Update, plan.Action);
        Assert.Equal(PlanAction.Update, Assert.Single(plan.Resources).Action);
        var warning = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Warning, "with.host"), (warning.Severity, warning.Field));
        Assert.Contains("devstack is already installed", warning.Message, StringComparison.Ordinal);
        Assert.Contains("runs stack.sh again", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, SshServerFixture.StackRuns(inputs.DevstackFolder));
    }

    [SshFact]
    public async Task Plan_SaysNothingToDo_WhenThisStepInstalledItAlready()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var key = $"{Guid.NewGuid()}:devstack";
        var (installed, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), new TestStepContext(services, inputs, stepId: "devstack", idempotencyKey: key));
        Results.Completed<DevStackInstallOutputs>(installed);

        var plan = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install") { Key = key });

        Assert.Equal(PlanAction.NoChange, plan.Action);
        Assert.Contains("nothing to do", plan.Summary, StringComparison.Ordinal);
        Assert.Empty(plan.Problems);
    }

    [SshFact]
    public async Task Plan_AdoptsThisStepsRunningStackSh_AndRefusesAnotherStepsPlan_WhileItRuns()
    {
        var gates = ssh.NewGateDir();
        var inputs = ssh.Inputs($"STANDIN_GATE_DIR={gates}");
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var key = $"{Guid.NewGuid()}:devstack";
        var running = new TestStepContext(services, inputs, stepId: "devstack", idempotencyKey: key);
        var (pending, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), running, stopWhen: (_, _) => true);
        Results.Pending(pending);
        try
        {
            var same = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install") { Key = key });
            var other = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install"));

            Assert.Equal(PlanAction.Adopt, same.Action);
            Assert.Contains("re-attach", same.Summary, StringComparison.Ordinal);
            var busy = Assert.Single(other.Problems, p => p.Severity == PlanSeverity.Error);
            Assert.Contains("another Workflows job is running", busy.Message, StringComparison.Ordinal);
        }
        finally
        {
            for (var step = 1; step <= 4; step++)
            {
                SshServerFixture.Open(gates, step);
            }

            var (finished, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), running);
            Results.Completed<DevStackInstallOutputs>(finished);
        }
    }

    [SshFact]
    public async Task Plan_IsAnErrorOnThePin_WhenTheHostKeyDoesNotMatch_AndNeverShowsASecret()
    {
        var inputs = ssh.Inputs();
        inputs.HostKeyFingerprint = "SHA256:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
        using var services = SshServerFixture.Services();

        var plan = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install"));

        Assert.Equal(PlanAction.Unknown, plan.Action);
        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.hostKeyFingerprint"), (error.Severity, error.Field));
        var json = JsonSerializer.Serialize(plan, JsonDefaults.Options);
        Assert.All(
            ssh.PrivateKey.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)),
            line => Assert.DoesNotContain(line, json, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_IsUnknown_WhenTheHostIsKnownOnlyAfterAnEarlierStep()
    {
        using var services = Services();
        var inputs = new DevStackInstallInputs { Password = new Secret("x") };

        var plan = await PlanAsync(services, new TestPlanContext(inputs, stepId: "install", unknown: new Dictionary<string, string> { ["host"] = "known after `vm`" }));

        Assert.Equal(PlanAction.Unknown, plan.Action);
        Assert.Contains(plan.Checks, c => c.Name == "host" && c.Outcome == PlanCheckOutcome.Deferred && c.Detail.Contains("known after `vm`", StringComparison.Ordinal));
        Assert.Empty(plan.Problems);
    }

    [Fact]
    public async Task Plan_SaysNothingIsInstalled_WhenTheHostIsTheSandbox()
    {
        using var services = Services();

        var plan = await PlanAsync(services, new TestPlanContext(new DevStackInstallInputs { Host = "sandbox" }, stepId: "install"));

        Assert.Equal(PlanAction.NoChange, plan.Action);
        Assert.Contains("nothing is installed", plan.Summary, StringComparison.Ordinal);
    }

    private static Task<StepPlan> PlanAsync(IServiceProvider services, TestPlanContext context) =>
        ((IPlannableAction)services.GetRequiredService<DevStackInstallAction>()).PlanAsync(context);

    private static ServiceProvider Services(Action<DevStackOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddDevStack(o =>
        {
            o.MinCpus = 1;
            o.MinMemoryMiB = 256;
            o.MinFreeDiskGiB = 1;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}
