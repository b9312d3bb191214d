using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Actions;

/// <summary>
/// The plan of neutron.floatingip.attach against a sandbox of its own whose external pool holds 2 addresses and whose
/// floating IP quota is 3, so the pool and the quota can each be used up on purpose.
/// </summary>
public sealed class FloatingIpPlanTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> ServerUnknown = new() { ["serverId"] = "known after `server`" };

    private OpenStackSandboxHost sandbox = null!;
    private ServiceProvider services = null!;
    private readonly string temp = Directory.CreateTempSubdirectory("wf-fip-plan-").FullName;

    [Fact]
    public async Task Plan_CountsTheAddressesLeftInTheExternalNetworksPools()
    {
        var plan = await PlanAsync();

        Assert.Equal(PlanAction.Create, plan.Action);
        var pool = Assert.Single(plan.Checks, c => c.Name == "pool");
        Assert.Equal(PlanCheckOutcome.Passed, pool.Outcome);
        Assert.StartsWith("0 of 2 addresses used in public's pools (public-subnet ", pool.Detail, StringComparison.Ordinal);
        Assert.EndsWith("2 left; this step needs 1", pool.Detail, StringComparison.Ordinal);
        Assert.Empty(plan.Problems);
    }

    [Fact]
    public async Task Plan_IsAnErrorOnTheNetwork_WhenItsPoolsHaveNoAddressLeft()
    {
        await AllocateAsync(2);

        var plan = await PlanAsync();

        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.network"), (error.Severity, error.Field));
        Assert.StartsWith("no address left: 2 of 2 addresses used in public's pools", error.Message, StringComparison.Ordinal);
        Assert.Contains(plan.Checks, c => c.Name == "quota.floatingip" && c.Outcome == PlanCheckOutcome.Passed);
    }

    [Fact]
    public async Task Plan_IsAnErrorOnTheNetwork_WhenTheFloatingIpQuotaIsUsedUp()
    {
        await sandbox.DisposeAsync();
        sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions { AdminPassword = SandboxFixture.Password, FloatingIpQuota = 1 });
        await services.DisposeAsync();
        services = Services();
        await AllocateAsync(1);

        var plan = await PlanAsync();

        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.network"), (error.Severity, error.Field));
        Assert.StartsWith("quota exhausted: 1 of 1 floating IPs used, 0 left", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allocation_FailsWithNeutronsOwnError_WhenThePoolHasNoAddressLeft()
    {
        await AllocateAsync(2);

        var e = await Assert.ThrowsAnyAsync<OpenStackException>(() => AllocateAsync(1));

        Assert.Contains("No more IP addresses available on network", e.Message, StringComparison.Ordinal);
    }

    public async Task InitializeAsync()
    {
        sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions { AdminPassword = SandboxFixture.Password, ExternalPoolSize = 2, FloatingIpQuota = 3 });
        services = Services();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await sandbox.DisposeAsync();
        Directory.Delete(temp, recursive: true);
    }

    private async Task<StepPlan> PlanAsync()
    {
        var action = (IPlannableAction)services.GetRequiredService<FloatingIpAttachAction>();
        return await action.PlanAsync(new TestPlanContext(new { cloud = "sandbox", network = "public" }, ServerUnknown));
    }

    private async Task AllocateAsync(int count)
    {
        var network = services.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").Network;
        var external = await network.FindNetworkAsync("public");
        for (var i = 0; i < count; i++)
        {
            await network.CreateFloatingIpAsync(external.Id);
        }
    }

    private ServiceProvider Services()
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddOpenStack(o =>
        {
            o.UseCloudsYamlSearchPath = false;
            o.UseEnvironmentVariables = false;
            o.RegisteredCloudsFile = Path.Combine(temp, $"registered-{Guid.NewGuid():N}.json");
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        var provider = collection.BuildServiceProvider();
        provider.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(sandbox.Cloud));
        return provider;
    }
}
