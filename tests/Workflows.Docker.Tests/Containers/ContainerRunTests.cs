using Docker.DotNet;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Containers;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Containers;

[Collection(DockerCollection.Name)]
public sealed class ContainerRunTests(DockerFixture docker) : IAsyncLifetime
{
    private readonly string app = DockerFixture.Unique("wf-app");

    [DockerFact]
    public async Task Run_StartsAHealthyContainerNamedAfterTheApp_WhenTheAppIsNew()
    {
        var driver = docker.Driver();

        var outputs = ActionDriver.Outputs<ContainerRunOutputs>((await driver.RunAsync("docker.container.run", Inputs("v1"))).Result);

        Assert.Equal(app, outputs.Name);
        Assert.Empty(outputs.Replaced);
        var container = await Client.Containers.InspectContainerAsync(outputs.ContainerId);
        Assert.Equal("healthy", container.State.Health.Status);
        Assert.Contains(driver.Progress, p => p.Contains("waiting for the new container to be healthy", StringComparison.Ordinal));
        Assert.Contains(driver.Recorder.ResourceEntries, e => e.Kind == "docker.container" && e.ExternalId == outputs.ContainerId);
    }

    [DockerFact]
    public async Task Run_ReplacesThePreviousContainerOnlyOnceTheNewIsHealthy_WhenTheImageChanges()
    {
        var driver = docker.Driver();
        var first = ActionDriver.Outputs<ContainerRunOutputs>((await driver.RunAsync("docker.container.run", Inputs("v1"), "deploy-1")).Result);
        var oldRunningWhileNewStarting = false;

        var result = (await driver.RunAsync("docker.container.run", Inputs("v2"), "deploy-2", beforePoll: async poll =>
        {
            if (poll == 1)
            {
                oldRunningWhileNewStarting = (await Client.Containers.InspectContainerAsync(first.ContainerId)).State.Running;
            }
        })).Result;

        var second = ActionDriver.Outputs<ContainerRunOutputs>(result);
        Assert.True(oldRunningWhileNewStarting);
        Assert.Equal([first.ContainerId], second.Replaced);
        Assert.Equal(app, second.Name);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => Client.Containers.InspectContainerAsync(first.ContainerId));
        Assert.Equal("wf-test/busybox:v2", (await Client.Containers.InspectContainerAsync(second.ContainerId)).Config.Image);
        Assert.NotNull(Assert.Single(driver.Recorder.ResourceEntries, e => e.ExternalId == first.ContainerId).DeletedAt);
    }

    [DockerFact]
    public async Task Run_FailsAndKeepsThePreviousContainer_WhenTheNewOneIsUnhealthy()
    {
        var first = ActionDriver.Outputs<ContainerRunOutputs>((await docker.Driver().RunAsync("docker.container.run", Inputs("v1"))).Result);

        var result = (await docker.Driver().RunAsync("docker.container.run", Inputs("v2") with
        {
            Healthcheck = new ContainerHealthcheck { Command = "exit 1", Interval = "500ms", Retries = 1, Timeout = "2s" },
        })).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.container.unhealthy", failed.ErrorCode);
        Assert.Contains("previous container was left running", failed.Message, StringComparison.Ordinal);
        var containers = await ContainerRunAction.ListAppAsync(Client, app, default);
        var only = Assert.Single(containers);
        Assert.Equal(first.ContainerId, only.ID);
        Assert.Equal("running", only.State);
    }

    [DockerFact]
    public async Task Run_IsANoOp_WhenTheAppAlreadyRunsTheSameSpec()
    {
        var first = ActionDriver.Outputs<ContainerRunOutputs>((await docker.Driver().RunAsync("docker.container.run", Inputs("v1"))).Result);

        var again = ActionDriver.Outputs<ContainerRunOutputs>((await docker.Driver().RunAsync("docker.container.run", Inputs("v1"))).Result);

        Assert.Equal(first.ContainerId, again.ContainerId);
        Assert.False(again.Changed);
        Assert.Empty(again.Replaced);
    }

    [DockerFact]
    public async Task Remove_RemovesEveryContainerOfTheApp_WhenAsked()
    {
        var driver = docker.Driver();
        var run = ActionDriver.Outputs<ContainerRunOutputs>((await driver.RunAsync("docker.container.run", Inputs("v1"))).Result);

        var removed = ActionDriver.Outputs<ContainerRemoveOutputs>((await driver.RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host, App = app })).Result);

        Assert.Equal([run.ContainerId], removed.Removed);
        Assert.Empty(await ContainerRunAction.ListAppAsync(Client, app, default));
        Assert.NotNull(Assert.Single(driver.Recorder.ResourceEntries).DeletedAt);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (docker.Client is not null)
        {
            await docker.Driver().RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host, App = app });
        }
    }

    private IDockerClient Client => docker.Require().Client;

    // --bridge=none on the test engine: containers run with network none (see .ci/services/docker.sh).
    private ContainerRunInputs Inputs(string tag) => new()
    {
        Host = docker.Require().Host,
        App = app,
        Image = $"wf-test/busybox:{tag}",
        Command = ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 86400"],
        NetworkMode = "none",
        Healthcheck = new ContainerHealthcheck { Command = "test -f /tmp/ready", Interval = "500ms", Retries = 3 },
    };
}
