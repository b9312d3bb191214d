using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Compose;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Compose;

[Collection(DockerCollection.Name)]
public sealed class StackDeployTests(DockerFixture docker) : IAsyncLifetime
{
    private readonly string stack = DockerFixture.Unique("wfst");

    private static string WebDb => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Compose", "Fixtures", "web-db.yaml"));

    [DockerFact]
    public async Task Deploy_CreatesNetworkServicesAndVolumeMount_WhenTheStackIsNew()
    {
        var driver = docker.Driver();

        var outputs = ActionDriver.Outputs<StackDeployOutputs>((await driver.RunAsync("docker.stack.deploy", Inputs(WebDb))).Result);

        Assert.Equal([$"{stack}_web", $"{stack}_db"], outputs.Services);
        Assert.Equal([$"{stack}_default"], outputs.Networks);
        var web = (await SwarmRollout.FindServiceAsync(Client, $"{stack}_web", default))!;
        Assert.Equal(2UL, web.Spec.Mode.Replicated.Replicas);
        Assert.Equal(stack, web.Spec.Labels[WorkflowLabels.StackNamespace]);
        Assert.Equal("platform", web.Spec.Labels["team"]);
        Assert.Equal(18080U, Assert.Single(web.Spec.EndpointSpec.Ports).PublishedPort);
        Assert.Equal(2, (await RunningAsync(web.ID)).Count);
        var db = (await SwarmRollout.FindServiceAsync(Client, $"{stack}_db", default))!;
        var mount = Assert.Single(db.Spec.TaskTemplate.ContainerSpec.Mounts);
        Assert.Equal(($"{stack}_dbdata", "/var/lib/db"), (mount.Source, mount.Target));
        Assert.Single(await RunningAsync(db.ID));
        var volumes = await Client.Volumes.ListAsync();
        Assert.Contains(volumes.Volumes, v => v.Name == $"{stack}_dbdata");
        Assert.Contains(driver.Recorder.ResourceEntries, e => e.Kind == "docker.stack" && e.ExternalId == stack);
        Assert.Contains(driver.Recorder.ResourceEntries, e => e.Kind == "docker.network" && e.Name == $"{stack}_default");
        Assert.Equal(2, driver.Recorder.ResourceEntries.Count(e => e.Kind == "docker.service"));
    }

    [DockerFact]
    public async Task Deploy_UpdatesOnlyTheChangedServiceThenPrunes_WhenTheFileChanges()
    {
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.stack.deploy", Inputs(WebDb))).Result);
        var dbBefore = (await SwarmRollout.FindServiceAsync(Client, $"{stack}_db", default))!;

        var changed = ActionDriver.Outputs<StackDeployOutputs>((await docker.Driver().RunAsync("docker.stack.deploy", Inputs(WebDb.Replace("image: wf-test/busybox:v1\n    command: httpd", "image: wf-test/busybox:v2\n    command: httpd", StringComparison.Ordinal)))).Result);

        Assert.Equal([$"{stack}_web"], changed.Changed);
        var web = (await SwarmRollout.FindServiceAsync(Client, $"{stack}_web", default))!;
        Assert.Equal("wf-test/busybox:v2", web.Spec.TaskTemplate.ContainerSpec.Image);
        Assert.Equal(dbBefore.Version.Index, (await Client.Swarm.InspectServiceAsync(dbBefore.ID)).Version.Index);

        var withoutDb = WebDb[..WebDb.IndexOf("  db:", StringComparison.Ordinal)];
        var driver = docker.Driver();
        var pruned = ActionDriver.Outputs<StackDeployOutputs>((await driver.RunAsync("docker.stack.deploy", Inputs(withoutDb))).Result);

        Assert.Equal([$"{stack}_db"], pruned.Pruned);
        Assert.Null(await SwarmRollout.FindServiceAsync(Client, $"{stack}_db", default));
        Assert.Contains(driver.Recorder.Lines, l => l.Contains($"pruned service {stack}_db", StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task Remove_DeletesServicesAndNetworks_WhenTheStackExists()
    {
        var driver = docker.Driver();
        Assert.IsType<CompletedResult>((await driver.RunAsync("docker.stack.deploy", Inputs(WebDb))).Result);

        var removed = ActionDriver.Outputs<StackRemoveOutputs>((await driver.RunAsync("docker.stack.remove", new StackRemoveInputs { Host = docker.Host, Stack = stack })).Result);

        Assert.Equal(2, removed.Services.Count);
        Assert.Equal([$"{stack}_default"], removed.Networks);
        Assert.Empty(await SwarmRollout.FindServicesByLabelAsync(Client, WorkflowLabels.StackNamespace, stack, default));
        Assert.All(driver.Recorder.ResourceEntries, e => Assert.NotNull(e.DeletedAt));
    }

    [Fact]
    public async Task Deploy_FailsNamingTheKey_WhenTheFileUsesAnUnsupportedKey()
    {
        // Parsing happens before the engine is contacted, so this needs no dockerd.
        using var services = TestServices.Create();
        var driver = new ActionEnvironment(services, TimeProvider.System);

        var result = (await driver.RunAsync("docker.stack.deploy", new StackInputs { Host = "unix:///nonexistent/docker.sock", Stack = "s", Compose = "services:\n  web:\n    image: a\n    build: .\n" })).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.compose.unsupported", failed.ErrorCode);
        Assert.Contains("services.web.build", failed.Message, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (docker.Client is null)
        {
            return;
        }

        await docker.Driver().RunAsync("docker.stack.remove", new StackRemoveInputs { Host = docker.Host, Stack = stack });
    }

    private IDockerClient Client => docker.Require().Client;

    private StackInputs Inputs(string compose) => new() { Host = docker.Require().Host, Stack = stack, Compose = compose };

    private async Task<List<TaskResponse>> RunningAsync(string serviceId) =>
        (await Client.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [serviceId] = true },
                ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
            },
        })).Where(t => t.Status.State == TaskState.Running).ToList();
}
