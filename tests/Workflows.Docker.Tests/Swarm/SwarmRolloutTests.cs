using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Xunit.Abstractions;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Swarm;

/// <summary>docker.service.deploy / rollback / remove against the real single-node swarm of .ci/services/docker.sh.</summary>
[Collection(DockerCollection.Name)]
public sealed partial class SwarmRolloutTests(DockerFixture docker, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<string> services = [];

    [DockerFact]
    public async Task Deploy_CreatesServiceWithAllReplicasRunning_WhenItDoesNotExist()
    {
        var driver = docker.Driver();
        var name = NewName();

        var result = (await driver.RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 3))).Result;

        var outputs = ActionDriver.Outputs<ServiceDeployOutputs>(result);
        Assert.True(outputs.Changed);
        var tasks = await RunningTasksAsync(outputs.ServiceId);
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("wf-test/busybox:v1", t.Spec.ContainerSpec.Image));
        var service = await Client.Swarm.InspectServiceAsync(outputs.ServiceId);
        Assert.Equal($"{driver.RunId:N}:step", service.Spec.Labels[WorkflowLabels.IdempotencyKey]);
        Assert.Equal(driver.RunId.ToString(), service.Spec.Labels[WorkflowLabels.RunId]);
        var entry = Assert.Single(driver.Recorder.ResourceEntries, e => e.Kind == "docker.service");
        Assert.Equal(outputs.ServiceId, entry.ExternalId);
        Assert.Contains(driver.Recorder.AuditEntries, a => a.Contains("/services/create", StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task Deploy_ReplacesOneTaskAtATime_WhenTheImageChanges()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 3))).Result);
        var driver = docker.Driver();

        var watch = Stopwatch.StartNew();
        var result = (await driver.RunAsync("docker.service.deploy", Inputs(name, "v2", replicas: 3))).Result;
        watch.Stop();
        output.WriteLine($"rolling update of 3 replicas v1 -> v2 took {watch.Elapsed.TotalSeconds:F1}s ({driver.Progress.Count} polls)");

        foreach (var line in driver.Recorder.Lines)
        {
            output.WriteLine(line);
        }

        var outputs = ActionDriver.Outputs<ServiceDeployOutputs>(result);
        Assert.Equal("wf-test/busybox:v2", outputs.Image);

        // Each new task appears in the log once running, with Docker's own timestamps: with parallelism 1,
        // Docker creates the next new task only after the previous one runs.
        var started = driver.Recorder.Lines
            .Select(l => RunningLine().Match(l))
            .Where(m => m.Success && m.Groups["image"].Value == "wf-test/busybox:v2")
            .Select(m => (Created: Parse(m.Groups["created"].Value), Running: Parse(m.Groups["since"].Value), Slot: m.Groups["slot"].Value))
            .OrderBy(t => t.Created)
            .ToList();
        Assert.Equal(3, started.Count);
        Assert.Equal(3, started.Select(s => s.Slot).Distinct().Count());
        for (var i = 1; i < started.Count; i++)
        {
            Assert.True(started[i].Created >= started[i - 1].Running, $"task {i} created {started[i].Created:O} before task {i - 1} was running at {started[i - 1].Running:O}");
        }

        Assert.Contains(driver.Recorder.Lines, l => l.Contains("updating", StringComparison.Ordinal) && l.Contains("from wf-test/busybox:v1 to wf-test/busybox:v2", StringComparison.Ordinal));
        Assert.Contains(driver.Recorder.Lines, l => l.Contains("spec=old state=shutdown", StringComparison.Ordinal));
        var tasks = await RunningTasksAsync(outputs.ServiceId);
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("wf-test/busybox:v2", t.Spec.ContainerSpec.Image));
    }

    [DockerFact]
    public async Task Deploy_FailsWithDockersReasonAfterRollback_WhenNewTasksExit()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v2", replicas: 2))).Result);
        var driver = docker.Driver();

        var result = (await driver.RunAsync("docker.service.deploy", Inputs(name, "v3", replicas: 2))).Result;

        var failed = Assert.IsType<FailedResult>(result);
        output.WriteLine(failed.Message);
        Assert.Equal("docker.service.rolled_back", failed.ErrorCode);
        Assert.False(failed.Retryable);
        Assert.Contains("Docker rolled it back to wf-test/busybox:v2", failed.Message, StringComparison.Ordinal);

        // Docker's own reason: the failed task's error (the update message itself is only visible
        // while the rollback runs, which a poll may miss).
        Assert.Contains("task error: task: non-zero exit (1)", failed.Message, StringComparison.Ordinal);
        Assert.Contains(docker.Host!, failed.Message, StringComparison.Ordinal);
        Assert.Contains(driver.Recorder.Lines, l => l.Contains("image=wf-test/busybox:v3", StringComparison.Ordinal) && l.Contains("error=\"task: non-zero exit (1)\"", StringComparison.Ordinal));
        var service = (await SwarmRollout.FindServiceAsync(Client, name, default))!;
        Assert.Equal("wf-test/busybox:v2", service.Spec.TaskTemplate.ContainerSpec.Image);
        Assert.Equal("rollback_completed", service.UpdateStatus.State);
        var tasks = await RunningTasksAsync(service.ID);
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("wf-test/busybox:v2", t.Spec.ContainerSpec.Image));
    }

    [DockerFact]
    public async Task Deploy_ChangesNothing_WhenTheSameSpecIsDeployedAgain()
    {
        var name = NewName();
        var first = ActionDriver.Outputs<ServiceDeployOutputs>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 2))).Result);
        var driver = docker.Driver();

        var second = ActionDriver.Outputs<ServiceDeployOutputs>((await driver.RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 2))).Result);

        Assert.False(second.Changed);
        Assert.Equal(first.ServiceId, second.ServiceId);
        Assert.Equal(first.Version, second.Version);
        Assert.Empty(driver.Recorder.ResourceEntries);
        Assert.DoesNotContain(driver.Recorder.AuditEntries, a => a.Contains("/update", StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task Deploy_AdoptsTheServiceAndConverges_WhenAFreshAttemptFollowsACrashMidRollout()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 3))).Result);
        var key = $"{Guid.NewGuid()}:rollout";
        var crashed = docker.Driver();
        var pending = (await crashed.RunAsync("docker.service.deploy", Inputs(name, "v2", replicas: 3, delay: "1s"), key, maxPolls: 1)).Result;
        Assert.IsType<PendingResult>(pending);

        // The engine lost the pending state: a new driver starts the attempt again with the same key.
        var fresh = docker.Driver();
        var result = await fresh.RunAsync("docker.service.deploy", Inputs(name, "v2", replicas: 3, delay: "1s"), key);

        var outputs = ActionDriver.Outputs<ServiceDeployOutputs>(result);
        Assert.True(outputs.Changed);
        Assert.Contains(fresh.Recorder.Lines, l => l.Contains("adopting", StringComparison.Ordinal));
        var all = await Client.Swarm.ListServicesAsync(new ServicesListParameters());
        Assert.Single(all, s => s.Spec.Name == name);
        var tasks = await RunningTasksAsync(outputs.ServiceId);
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("wf-test/busybox:v2", t.Spec.ContainerSpec.Image));
    }

    [DockerFact]
    public async Task Rollback_RestoresThePreviousSpec_WhenTheRolloutIsCancelledMidway()
    {
        var name = NewName();
        Assert.IsType<CompletedResult>((await docker.Driver().RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 3))).Result);
        var key = $"{Guid.NewGuid()}:rollout";
        var driver = docker.Driver();
        using var cancel = new CancellationTokenSource();

        var cancelled = await driver.RunAsync(
            "docker.service.deploy",
            Inputs(name, "v2", replicas: 3, delay: "2s"),
            key,
            cancellationToken: cancel.Token,
            beforePoll: poll =>
            {
                if (poll == 2)
                {
                    cancel.Cancel();
                }

                return Task.CompletedTask;
            });

        Assert.Equal("cancelled", cancelled.Failure.ErrorCode);
        var mid = (await SwarmRollout.FindServiceAsync(Client, name, default))!;
        Assert.Equal("wf-test/busybox:v2", mid.Spec.TaskTemplate.ContainerSpec.Image);
        var compensation = docker.Driver();
        var result = await compensation.RunAsync(
            "docker.service.rollback",
            new ServiceTargetInputs { Host = docker.Host },
            $"{Guid.NewGuid()}:rollout-compensate",
            compensating: new CompensationTarget("rollout", key, null, cancelled.State));

        var outputs = ActionDriver.Outputs<ServiceRollbackOutputs>(result);
        Assert.Equal("rolled-back", outputs.Outcome);
        Assert.Equal("wf-test/busybox:v1", outputs.Image);
        var tasks = await RunningTasksAsync(mid.ID);
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("wf-test/busybox:v1", t.Spec.ContainerSpec.Image));

        // At-least-once: the compensation running again must not flip the service back to v2.
        var again = ActionDriver.Outputs<ServiceRollbackOutputs>((await docker.Driver().RunAsync(
            "docker.service.rollback", new ServiceTargetInputs { Host = docker.Host }, $"{Guid.NewGuid()}:again", compensating: new CompensationTarget("rollout", key, null, null))).Result);
        Assert.Equal("unchanged", again.Outcome);
    }

    [DockerFact]
    public async Task Rollback_RemovesTheService_WhenTheUndoneStepCreatedIt()
    {
        var name = NewName();
        var key = $"{Guid.NewGuid()}:create";
        var created = docker.Driver();
        var deployed = ActionDriver.Outputs<ServiceDeployOutputs>(await created.RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 1), key));
        var compensation = docker.Driver();

        var outputs = ActionDriver.Outputs<ServiceRollbackOutputs>(await compensation.RunAsync(
            "docker.service.rollback", new ServiceTargetInputs { Host = docker.Host, Name = name }, $"{Guid.NewGuid()}:undo", compensating: new CompensationTarget("deploy", key, null, null)));

        Assert.Equal("removed", outputs.Outcome);
        Assert.Null(await SwarmRollout.FindServiceAsync(Client, name, default));
        Assert.Equal(deployed.ServiceId, outputs.ServiceId);
    }

    [DockerFact]
    public async Task Remove_DeletesTheServiceAndMarksItDeleted_WhenItExists()
    {
        var name = NewName();
        var driver = docker.Driver();
        var deployed = ActionDriver.Outputs<ServiceDeployOutputs>((await driver.RunAsync("docker.service.deploy", Inputs(name, "v1", replicas: 1))).Result);

        var removed = ActionDriver.Outputs<ServiceRemoveOutputs>((await driver.RunAsync("docker.service.remove", new ServiceTargetInputs { Host = docker.Host, Name = name })).Result);
        var again = ActionDriver.Outputs<ServiceRemoveOutputs>((await driver.RunAsync("docker.service.remove", new ServiceTargetInputs { Host = docker.Host, Name = name })).Result);

        Assert.True(removed.Removed);
        Assert.False(again.Removed);
        Assert.NotNull(Assert.Single(driver.Recorder.ResourceEntries, e => e.ExternalId == deployed.ServiceId).DeletedAt);
    }

    [DockerFact]
    public async Task Rollback_ChangesNothing_WhenTheServiceDoesNotExist()
    {
        var result = (await docker.Driver().RunAsync("docker.service.rollback", new ServiceTargetInputs { Host = docker.Host, Name = NewName() })).Result;

        Assert.Equal("unchanged", ActionDriver.Outputs<ServiceRollbackOutputs>(result).Outcome);
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

    private string NewName()
    {
        var name = DockerFixture.Unique("wf-svc");
        services.Add(name);
        return name;
    }

    private ServiceDeployInputs Inputs(string name, string tag, int replicas, string delay = "0s") => new()
    {
        Host = docker.Require().Host,
        Name = name,
        Image = $"wf-test/busybox:{tag}",
        Replicas = replicas,

        // sleep as PID 1 ignores SIGTERM: without this every stop-first step waits Docker's 10s default.
        StopGracePeriod = "1s",
        UpdateConfig = new ServiceUpdatePolicy { Parallelism = 1, Delay = delay, Order = "stop-first", FailureAction = "rollback", Monitor = "2s" },
        RollbackConfig = new ServiceUpdatePolicy { Parallelism = 0, Delay = "0s", Order = "stop-first", FailureAction = "pause", Monitor = "1s" },
    };

    private async Task<List<TaskResponse>> RunningTasksAsync(string serviceId)
    {
        var tasks = await Client.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [serviceId] = true },
                ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
            },
        });
        return tasks.Where(t => t.Status.State == TaskState.Running).ToList();
    }

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [GeneratedRegex(@"^task \S+\.(?<slot>\d+) \S+ image=(?<image>\S+) spec=\w+ state=running desired=running created=(?<created>\S+) since=(?<since>\S+)")]
    private static partial Regex RunningLine();
}
