using Docker.DotNet;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Compose;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;

namespace Workflows.Docker.Tests.Compose;

/// <summary>The plan of docker.stack.deploy against the real single-node swarm of .ci/services/docker.sh.</summary>
[Collection(DockerCollection.Name)]
public sealed class StackDeployPlanTests(DockerFixture docker) : IAsyncLifetime
{
    private readonly string stack = DockerFixture.Unique("wfsp");

    private static string WebDb => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Compose", "Fixtures", "web-db.yaml"));

    [DockerFact]
    public async Task Plan_ShowsTheNetworkAndEveryServiceAsCreated_AndCreatesNothing_WhenTheStackIsNew()
    {
        var plan = await PlanAsync(WebDb);

        Assert.Equal(PlanAction.Create, plan.Action);
        Assert.Equal(
            [("docker.network", $"{stack}_default", PlanAction.Create), ("docker.service", $"{stack}_web", PlanAction.Create), ("docker.service", $"{stack}_db", PlanAction.Create)],
            plan.Resources.Select(r => (r.Kind, r.Name, r.Action)));
        var web = plan.Resources.Single(r => r.Name == $"{stack}_web");
        Assert.Equal("2", web.Attributes["replicas"]);
        Assert.Equal("18080 (ingress)", web.Attributes["ports.8080/tcp"]);
        Assert.EndsWith(": 3 to create", plan.Summary, StringComparison.Ordinal);
        Assert.Empty(plan.Problems);
        Assert.Null(await SwarmRollout.FindServiceAsync(Client, $"{stack}_web", default));
        Assert.DoesNotContain(await Client.Networks.ListNetworksAsync(), n => n.Name == $"{stack}_default");
    }

    [DockerFact]
    public async Task Plan_ShowsOnlyTheChangedServiceAsUpdated_AndThePrunedOneAsDeleted_WhenTheFileChanges()
    {
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.stack.deploy", Inputs(WebDb))).Result);
        var withoutDb = WebDb[..WebDb.IndexOf("  db:", StringComparison.Ordinal)];
        var changed = withoutDb.Replace("image: wf-test/busybox:v1\n    command: httpd", "image: wf-test/busybox:v2\n    command: httpd", StringComparison.Ordinal)
            .Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal);

        var plan = await PlanAsync(changed);

        Assert.Equal(PlanAction.Update, plan.Action);
        var web = plan.Resources.Single(r => r.Name == $"{stack}_web");
        Assert.Equal(PlanAction.Update, web.Action);
        Assert.Equal([new PlanChange("image", "wf-test/busybox:v1", "wf-test/busybox:v2"), new PlanChange("replicas", "2", "3")], web.Changes);
        Assert.Equal(PlanAction.Delete, plan.Resources.Single(r => r.Name == $"{stack}_db").Action);
        Assert.DoesNotContain(plan.Resources, r => r.Kind == "docker.network");
        Assert.Contains(plan.Checks, c => c.Name == $"network {stack}_default" && c.Outcome == PlanCheckOutcome.Passed);
        Assert.NotNull(await SwarmRollout.FindServiceAsync(Client, $"{stack}_db", default));
        Assert.Equal("wf-test/busybox:v1", (await SwarmRollout.FindServiceAsync(Client, $"{stack}_web", default))!.Spec.TaskTemplate.ContainerSpec.Image);
    }

    [DockerFact]
    public async Task Plan_SaysNothingToDo_WhenTheStackIsDeployedAsTheFileSays()
    {
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.stack.deploy", Inputs(WebDb))).Result);

        var plan = await PlanAsync(WebDb);

        Assert.Equal(PlanAction.NoChange, plan.Action);
        Assert.All(plan.Resources, r => Assert.Equal(PlanAction.NoChange, r.Action));
        Assert.Empty(plan.Problems);
    }

    [DockerFact]
    public async Task Plan_IsAnError_WhenAnExternalNetworkDoesNotExist()
    {
        var compose = "services:\n  web:\n    image: wf-test/busybox:v1\n    networks: [edge]\nnetworks:\n  edge:\n    external: true\n    name: wf-missing-edge\n";

        var plan = await PlanAsync(compose);

        var error = Assert.Single(plan.Problems, p => p.Severity == PlanSeverity.Error);
        Assert.Equal("with.compose", error.Field);
        Assert.Contains("external network 'wf-missing-edge' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_IsAnErrorNamingTheKey_WhenTheFileUsesAnUnsupportedKey()
    {
        using var services = TestServices.Create();

        var plan = await Plans.PlanAsync(services, "docker.stack.deploy", new StackInputs { Host = "unix:///nonexistent/docker.sock", Stack = "s", Compose = "services:\n  web:\n    image: a\n    build: .\n" });

        Assert.Equal(PlanAction.Unknown, plan.Action);
        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.compose"), (error.Severity, error.Field));
        Assert.Contains("services.web.build", error.Message, StringComparison.Ordinal);
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

    private Task<StepPlan> PlanAsync(string compose) =>
        Plans.PlanAsync(docker.Require().Services, "docker.stack.deploy", Inputs(compose));

    private StackInputs Inputs(string compose) => new() { Host = docker.Require().Host, Stack = stack, Compose = compose };
}
