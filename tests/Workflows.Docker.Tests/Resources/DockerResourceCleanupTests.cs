using Docker.DotNet;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Docker.Actions;
using Workflows.Docker.Compose;
using Workflows.Docker.Containers;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Resources;

/// <summary>
/// The Resources page's "Check against the cloud" and "Delete" for every kind the Docker actions record, on the test dockerd:
/// each resource is created by its action, the probe finds it, the delete action and inputs registered for its kind (what the
/// generated resource-cleanup workflow runs) remove it and mark its ledger row deleted, and the probe then says gone.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class DockerResourceCleanupTests(DockerFixture docker) : IAsyncLifetime
{
    private readonly string app = DockerFixture.Unique("wf-cln");
    private readonly string stack = DockerFixture.Unique("wfcs");

    // One service without published ports (no clash with other tests), on the stack's default network.
    private const string Compose = """
        version: "3.8"
        services:
          app:
            image: wf-test/busybox:v1
            command: ["sleep", "86400"]
            stop_grace_period: 1s
            deploy:
              replicas: 1
        """;

    [DockerFact]
    public async Task Container_IsPresent_ThenDeletedByItsKindsDeleteAction_ThenGone()
    {
        var driver = docker.Driver();
        var run = ActionDriver.Outputs<ContainerRunOutputs>((await driver.RunAsync("docker.container.run", new ContainerRunInputs
        {
            Host = docker.Require().Host,
            App = app,
            Image = "wf-test/busybox:v1",
            Command = ["sleep", "86400"],
            NetworkMode = "none",
        })).Result);
        var entry = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.container");
        Assert.Equal(run.ContainerId, entry.ExternalId);
        Assert.Equal(ResourcePresence.Present, await ProbeAsync(entry));

        var deleted = await DeleteAsync(driver, entry);

        Assert.Equal([run.ContainerId], ActionDriver.Outputs<ContainerRemoveOutputs>(deleted).Removed);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => Client.Containers.InspectContainerAsync(run.ContainerId));
        Assert.NotNull(Entry(driver, "docker.container", run.ContainerId).DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await ProbeAsync(entry));

        // A second delete (an at-least-once repeat, or a retry after a crash) finds it gone and succeeds.
        Assert.Empty(ActionDriver.Outputs<ContainerRemoveOutputs>(await DeleteAsync(driver, entry)).Removed);
        Assert.Contains(driver.Recorder.Lines, l => l == $"container {run.ContainerId}: already gone");
    }

    [DockerFact]
    public async Task ContainerRemove_IsRefused_WithBothAppAndContainer_OrWithNeither()
    {
        var both = (await docker.Driver().RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host, App = app, Container = "x" })).Result;
        var neither = (await docker.Driver().RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host })).Result;

        Assert.Contains("not both", Assert.IsType<FailedResult>(both).Message, StringComparison.Ordinal);
        Assert.Contains("app:", Assert.IsType<FailedResult>(neither).Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Stack_IsPresent_ThenDeletedByItsKindsDeleteAction_WhichMarksTheStackItsServicesAndItsNetworkDeleted()
    {
        var driver = docker.Driver();
        Assert.IsType<CompletedResult>((await driver.RunAsync("docker.stack.deploy", new StackInputs { Host = docker.Require().Host, Stack = stack, Compose = Compose })).Result);
        var stackEntry = Entry(driver, "docker.stack", stack);
        var service = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.service");
        var network = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.network");
        Assert.Equal([ResourcePresence.Present, ResourcePresence.Present, ResourcePresence.Present], [await ProbeAsync(stackEntry), await ProbeAsync(service), await ProbeAsync(network)]);

        var removed = ActionDriver.Outputs<StackRemoveOutputs>(await DeleteAsync(driver, stackEntry));

        Assert.Equal([$"{stack}_app"], removed.Services);
        Assert.Equal([$"{stack}_default"], removed.Networks);
        Assert.Empty(await SwarmRollout.FindServicesByLabelAsync(Client, WorkflowLabels.StackNamespace, stack, default));
        Assert.All(driver.Recorder.ResourceEntries, e => Assert.NotNull(e.DeletedAt));
        Assert.Equal([ResourcePresence.Gone, ResourcePresence.Gone, ResourcePresence.Gone], [await ProbeAsync(stackEntry), await ProbeAsync(service), await ProbeAsync(network)]);
    }

    [DockerFact]
    public async Task ServiceThenNetwork_AreDeletedOneByOne_ByTheirKindsDeleteActions_AndTheStackIsThenGone()
    {
        var driver = docker.Driver();
        Assert.IsType<CompletedResult>((await driver.RunAsync("docker.stack.deploy", new StackInputs { Host = docker.Require().Host, Stack = stack, Compose = Compose })).Result);
        var service = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.service");
        var network = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.network");

        Assert.True(ActionDriver.Outputs<ServiceRemoveOutputs>(await DeleteAsync(driver, service)).Removed);
        Assert.Equal(ResourcePresence.Gone, await ProbeAsync(service));
        Assert.Equal(ResourcePresence.Present, await ProbeAsync(Entry(driver, "docker.stack", stack)));

        // The service's task may still hold an endpoint on the network: the delete waits (visibly) until it leaves.
        var outputs = ActionDriver.Outputs<NetworkRemoveOutputs>(await DeleteAsync(driver, network));

        Assert.True(outputs.Removed);
        Assert.Equal(network.ExternalId, outputs.NetworkId);
        Assert.NotNull(Entry(driver, "docker.network", network.ExternalId).DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await ProbeAsync(network));
        Assert.Equal(ResourcePresence.Gone, await ProbeAsync(Entry(driver, "docker.stack", stack)));
        Assert.Null(Entry(driver, "docker.stack", stack).DeletedAt);
    }

    [DockerFact]
    public async Task Probe_Throws_RatherThanSayingGone_WhenTheEndpointIsUnreachable()
    {
        var unreachable = new ResourceEntry(Guid.NewGuid(), "s", "docker.container", "0123456789ab", "c", "tcp://127.0.0.1:1", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, null);

        foreach (var kind in new[] { "docker.container", "docker.service", "docker.network", "docker.stack" })
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ProbeAsync(unreachable with { Kind = kind }));
        }
    }

    [DockerFact]
    public void EveryKindTheDockerActionsRecord_HasADeleteActionAndAProbe()
    {
        var services = docker.Require().Services;
        var deleters = services.GetServices<ResourceDeleter>().Select(d => d.Kind).ToHashSet();
        var probed = services.GetServices<IResourceProbe>().SelectMany(p => p.Kinds).ToHashSet();

        foreach (var kind in new[] { "docker.container", "docker.service", "docker.network", "docker.stack" })
        {
            Assert.Contains(kind, deleters);
            Assert.Contains(kind, probed);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (docker.Client is null)
        {
            return;
        }

        await docker.Driver().RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host, App = app });
        await docker.Driver().RunAsync("docker.stack.remove", new StackRemoveInputs { Host = docker.Host, Stack = stack });
    }

    private IDockerClient Client => docker.Require().Client;

    private static ResourceEntry Entry(ActionEnvironment driver, string kind, string externalId) =>
        Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == kind && e.ExternalId == externalId);

    private Task<ResourcePresence> ProbeAsync(ResourceEntry entry)
    {
        var probe = docker.Require().Services.GetServices<IResourceProbe>().Last(p => p.Kinds.Any(k => ResourceKindPattern.Matches(k, entry.Kind)));
        return probe.ProbeAsync(entry);
    }

    /// <summary>Runs what the generated clean-up step runs for the row: its kind's delete action with the literal inputs built from the row.</summary>
    private async Task<StepResult> DeleteAsync(ActionEnvironment driver, ResourceEntry entry)
    {
        var deleter = docker.Require().Services.GetServices<ResourceDeleter>().Last(d => d.Kind == entry.Kind);
        var result = (await driver.RunAsync(deleter.Action, deleter.Inputs(entry).ToDictionary())).Result;
        Assert.IsType<CompletedResult>(result);
        return result;
    }
}
