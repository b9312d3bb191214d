using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Swarm;

/// <summary>The plan of docker.service.deploy against the real single-node swarm of .ci/services/docker.sh.</summary>
[Collection(DockerCollection.Name)]
public sealed class ServiceDeployPlanTests(DockerFixture docker) : IAsyncLifetime
{
    private readonly List<string> services = [];

    [DockerFact]
    public async Task Plan_ShowsCreate_AndCreatesNothing_WhenNoServiceHasTheName()
    {
        var name = NewName();

        var plan = await PlanAsync(Inputs(name, "v1", replicas: 2));

        Assert.Equal(PlanAction.Create, plan.Action);
        var service = Assert.Single(plan.Resources);
        Assert.Equal(("docker.service", name, PlanAction.Create), (service.Kind, service.Name, service.Action));
        Assert.Equal("wf-test/busybox:v1", service.Attributes["image"]);
        Assert.Equal("2", service.Attributes["replicas"]);
        Assert.Contains(plan.Checks, c => c.Name == "engine" && c.Outcome == PlanCheckOutcome.Passed && c.Detail.Contains("swarm manager", StringComparison.Ordinal));
        Assert.Contains(plan.Checks, c => c.Name == "image wf-test/busybox:v1" && c.Outcome == PlanCheckOutcome.Passed);
        Assert.Empty(plan.Problems);
        Assert.Null(await SwarmRollout.FindServiceAsync(Client, name, default));
    }

    [DockerFact]
    public async Task Plan_ShowsTheDiff_WithSensitiveValuesMasked_AndChangesNothing_WhenTheServiceRunsAnotherSpec()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 1) with
        {
            Env = new Dictionary<string, string> { ["GREETING"] = "hello", ["DB_PASSWORD"] = "old-pass-4711" },
        })).Result);
        var before = (await SwarmRollout.FindServiceAsync(Client, name, default))!;

        var plan = await PlanAsync(Inputs(name, "v2", replicas: 2) with
        {
            Env = new Dictionary<string, string> { ["GREETING"] = "hi", ["DB_PASSWORD"] = "new-pass-0815" },
            Ports = [new ServicePort { Target = 8080, Published = 18081 }],
        });

        Assert.Equal(PlanAction.Update, plan.Action);
        var service = Assert.Single(plan.Resources);
        Assert.Equal(PlanAction.Update, service.Action);
        Assert.Contains(new PlanChange("image", "wf-test/busybox:v1", "wf-test/busybox:v2"), service.Changes);
        Assert.Contains(new PlanChange("replicas", "1", "2"), service.Changes);
        Assert.Contains(new PlanChange("env.GREETING", "hello", "hi"), service.Changes);
        Assert.Contains(new PlanChange("env.DB_PASSWORD", SwarmPlanner.Sensitive, SwarmPlanner.Sensitive), service.Changes);
        Assert.Contains(new PlanChange("ports.8080/tcp", null, "18081 (ingress)"), service.Changes);
        Assert.Equal(SwarmPlanner.Sensitive, service.Attributes["env.DB_PASSWORD"]);
        var json = JsonSerializer.Serialize(plan, JsonDefaults.Options);
        Assert.DoesNotContain("old-pass-4711", json, StringComparison.Ordinal);
        Assert.DoesNotContain("new-pass-0815", json, StringComparison.Ordinal);
        Assert.Contains(plan.Checks, c => c.Name == $"service {name}" && c.Detail.Contains("it is updated", StringComparison.Ordinal));
        var after = await Client.Swarm.InspectServiceAsync(before.ID);
        Assert.Equal(before.Version.Index, after.Version.Index);
        Assert.Equal("wf-test/busybox:v1", after.Spec.TaskTemplate.ContainerSpec.Image);
    }

    [DockerFact]
    public async Task Plan_SaysNothingToDo_WhenTheServiceAlreadyHasThisSpec()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 1))).Result);

        var plan = await PlanAsync(Inputs(name, "v1", replicas: 1));

        Assert.Equal(PlanAction.NoChange, plan.Action);
        Assert.Equal(PlanAction.NoChange, Assert.Single(plan.Resources).Action);
        Assert.Contains("nothing to do", plan.Summary, StringComparison.Ordinal);
        Assert.Empty(plan.Problems);
    }

    [DockerFact]
    public async Task Plan_WarnsThatTheImageIsPulledWhenItRuns_WhenTheImageIsNotOnTheEngine()
    {
        var plan = await PlanAsync(Inputs(NewName(), "not-built-here", replicas: 1));

        Assert.Equal(PlanAction.Create, plan.Action);
        var warning = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Warning, "with.image"), (warning.Severity, warning.Field));
        Assert.Contains("wf-test/busybox:not-built-here is not on", warning.Message, StringComparison.Ordinal);
        Assert.Contains("pull", warning.Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Plan_WarnsBeforeTakingOver_WhenTheServiceWasNotDeployedByWorkflows()
    {
        var name = NewName();
        await Client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = ServiceSpecBuilder.Build(Inputs(name, "v1", replicas: 1)) });

        var plan = await PlanAsync(Inputs(name, "v1", replicas: 1));

        Assert.Equal(PlanAction.Update, plan.Action);
        var warning = Assert.Single(plan.Problems);
        Assert.Equal(PlanSeverity.Warning, warning.Severity);
        Assert.Contains("was not deployed by Workflows", warning.Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Plan_IsUnknown_WhenTheEndpointIsKnownOnlyAfterAnEarlierStep()
    {
        var plan = await PlanAsync(Inputs(NewName(), "v1", replicas: 1) with { Host = null }, new Dictionary<string, string> { ["host"] = "known after `vm`" });

        Assert.Equal(PlanAction.Unknown, plan.Action);
        Assert.Contains(plan.Checks, c => c.Name == "host" && c.Outcome == PlanCheckOutcome.Deferred);
        Assert.Empty(plan.Problems);
    }

    [DockerFact]
    public async Task Plan_ShowsTheImageAsKnownAfter_WhenItComesFromAnEarlierStep()
    {
        var inputs = KitJson.ToInputs(Inputs(NewName(), "v1", replicas: 1));
        inputs.Remove("image");

        var plan = await PlanAsync(inputs, new Dictionary<string, string> { ["image"] = "known after `build`" });

        Assert.Equal(PlanAction.Create, plan.Action);
        Assert.Equal("(known after `build`)", Assert.Single(plan.Resources).Attributes["image"]);
        Assert.DoesNotContain(plan.Checks, c => c.Name.StartsWith("image", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_IsAnErrorOnTheHost_WhenTheEngineCannotBeReached()
    {
        using var provider = TestServices.Create();

        var plan = await Plans.PlanAsync(provider, "docker.service.deploy", new ServiceDeployInputs { Host = "unix:///nonexistent/docker.sock", Name = "web", Image = "app:v1" });

        Assert.Equal(PlanAction.Unknown, plan.Action);
        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.host"), (error.Severity, error.Field));
        Assert.Contains("nonexistent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_IsAnErrorNamingTheField_WhenAnInputDoesNotFit()
    {
        using var provider = TestServices.Create();

        var plan = await Plans.PlanAsync(provider, "docker.service.deploy", new ServiceDeployInputs { Host = "unix:///nonexistent/docker.sock", Name = "web", Image = "app:v1", Replicas = -1 });

        var error = Assert.Single(plan.Problems);
        Assert.Equal((PlanSeverity.Error, "with.replicas"), (error.Severity, error.Field));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (docker.Client is null)
        {
            return;
        }

        foreach (var name in services)
        {
            if (await SwarmRollout.FindServiceAsync(docker.Client, name, default) is { } s)
            {
                await docker.Client.Swarm.RemoveServiceAsync(s.ID);
            }
        }
    }

    private IDockerClient Client => docker.Require().Client;

    private Task<StepPlan> PlanAsync(object inputs, IReadOnlyDictionary<string, string>? unknown = null) =>
        Plans.PlanAsync(docker.Require().Services, "docker.service.deploy", inputs, unknown);

    private string NewName()
    {
        var name = DockerFixture.Unique("wf-plan");
        services.Add(name);
        return name;
    }

    private ServiceDeployInputs Inputs(string name, string tag, int replicas) => new()
    {
        Host = docker.Require().Host,
        Name = name,
        Image = $"wf-test/busybox:{tag}",
        Replicas = replicas,
        StopGracePeriod = "1s",
        UpdateConfig = new ServiceUpdatePolicy { Parallelism = 1, Delay = "0s", Order = "stop-first", FailureAction = "rollback", Monitor = "1s" },
    };
}
