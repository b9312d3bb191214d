using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;

namespace Workflows.Docker.Swarm;

/// <summary>
/// Creates or updates a Swarm service idempotently and watches it converge, task by task.
/// Used by <c>docker.service.deploy</c>, <c>docker.service.rollback</c> and <c>docker.stack.deploy</c>.
/// </summary>
public static class SwarmRollout
{
    /// <summary>Fails clearly when the endpoint is not an active swarm manager.</summary>
    /// <exception cref="StepFailedException">Code <c>docker.swarm.not_manager</c>.</exception>
    public static async Task EnsureManagerAsync(IDockerClient client, DockerEndpoint endpoint, CancellationToken cancellationToken)
    {
        var info = await client.System.GetSystemInfoAsync(cancellationToken);
        if (info.Swarm is not { LocalNodeState: "active", ControlAvailable: true })
        {
            var state = info.Swarm?.LocalNodeState ?? "unknown";
            throw new StepFailedException("docker.swarm.not_manager", $"The Docker engine at {endpoint} is not a swarm manager (swarm state: {state}). Point host at a manager node or run 'docker swarm init'.", retryable: false);
        }
    }

    /// <summary>Finds a service by exact name, or null.</summary>
    public static async Task<SwarmService?> FindServiceAsync(IDockerClient client, string name, CancellationToken cancellationToken)
    {
        // The engine's name filter matches prefixes; keep the exact match only.
        var list = await client.Swarm.ListServicesAsync(new ServicesListParameters { Filters = new ServiceFilter { Name = [name] } }, cancellationToken);
        return list.FirstOrDefault(s => s.Spec?.Name == name);
    }

    /// <summary>Lists services carrying a label (<c>key=value</c>).</summary>
    public static async Task<IList<SwarmService>> FindServicesByLabelAsync(IDockerClient client, string label, string value, CancellationToken cancellationToken)
    {
        var list = await client.Swarm.ListServicesAsync(new ServicesListParameters { Filters = new ServiceFilter { Label = [$"{label}={value}"] } }, cancellationToken);
        return list.Where(s => s.Spec?.Labels is { } l && l.TryGetValue(label, out var v) && v == value).ToList();
    }

    /// <summary>
    /// Creates the service, updates it when its spec differs, or adopts it when it already has this spec
    /// (an earlier execution of the step, or a repeated deploy). Records creations in the ledger.
    /// </summary>
    public static async Task<RolloutState> ApplyAsync(
        IDockerClient client,
        DockerEndpoint endpoint,
        ServiceSpec spec,
        StepContext context,
        AuthConfig? registryAuth,
        IReadOnlyDictionary<string, string>? ledgerProperties = null)
    {
        var ct = context.CancellationToken;
        var hash = WorkflowLabels.Hash(spec);
        var existing = await FindServiceAsync(client, spec.Name, ct);

        spec.Labels ??= new Dictionary<string, string>();
        spec.Labels[WorkflowLabels.SpecHash] = hash;
        spec.Labels[WorkflowLabels.IdempotencyKey] = context.IdempotencyKey;
        spec.Labels[WorkflowLabels.RunId] = context.RunId.ToString();
        spec.Labels[WorkflowLabels.CreatedBy] = existing?.Spec.Labels.Label(WorkflowLabels.CreatedBy) ?? context.IdempotencyKey;

        // Tasks carry a copy of the container labels: that is how a task's spec version is told apart.
        spec.TaskTemplate.ContainerSpec.Labels ??= new Dictionary<string, string>();
        spec.TaskTemplate.ContainerSpec.Labels[WorkflowLabels.SpecHash] = hash;

        var state = new RolloutState { ServiceName = spec.Name, TargetHash = hash };
        if (existing is null)
        {
            var created = await DockerAudit.CallAsync(context, endpoint, "POST", "/services/create", () =>
                client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = spec, RegistryAuth = registryAuth }, ct));
            state.ServiceId = created.ID;
            state.Created = state.Changed = true;
            context.Log.WriteLine($"service {spec.Name}: created {Short(created.ID)} with {spec.TaskTemplate.ContainerSpec.Image}, {Replicas(spec)} replica(s)");
            foreach (var warning in created.Warnings ?? [])
            {
                context.Log.WriteLine($"service {spec.Name}: docker warning: {warning}");
            }
        }
        else if (existing.Spec.Labels.Label(WorkflowLabels.SpecHash) == hash)
        {
            state.ServiceId = existing.ID;
            state.Created = existing.Spec.Labels.Label(WorkflowLabels.CreatedBy) == context.IdempotencyKey;
            state.Changed = existing.Spec.Labels.Label(WorkflowLabels.IdempotencyKey) == context.IdempotencyKey;
            context.Log.WriteLine($"service {spec.Name}: already at this spec (version {existing.Version.Index}); adopting {Short(existing.ID)}");
        }
        else
        {
            state.ServiceId = existing.ID;
            state.Changed = true;
            var from = existing.Spec.TaskTemplate?.ContainerSpec?.Image;
            var response = await DockerAudit.CallAsync(context, endpoint, "POST", $"/services/{existing.ID}/update", () =>
                client.Swarm.UpdateServiceAsync(existing.ID, new ServiceUpdateParameters { Service = spec, Version = (long)existing.Version.Index, RegistryAuth = registryAuth }, ct));
            context.Log.WriteLine($"service {spec.Name}: updating {Short(existing.ID)} from {from} to {spec.TaskTemplate.ContainerSpec.Image}, {Replicas(spec)} replica(s), parallelism {spec.UpdateConfig?.Parallelism}, order {spec.UpdateConfig?.Order}, failure action {spec.UpdateConfig?.FailureAction}");
            foreach (var warning in response.Warnings ?? [])
            {
                context.Log.WriteLine($"service {spec.Name}: docker warning: {warning}");
            }
        }

        if (state.Created)
        {
            var properties = new Dictionary<string, string> { ["image"] = spec.TaskTemplate.ContainerSpec.Image };
            foreach (var (k, v) in ledgerProperties ?? new Dictionary<string, string>())
            {
                properties[k] = v;
            }

            await context.Resources.RecordAsync(new ResourceRecord("docker.service", state.ServiceId, spec.Name, endpoint.Display, properties), ct);
        }

        return state;
    }

    /// <summary>Asks Docker to roll the service back to its previous spec and returns the state to watch it with.</summary>
    public static async Task<RolloutState> StartRollbackAsync(IDockerClient client, DockerEndpoint endpoint, SwarmService service, StepContext context)
    {
        var target = service.PreviousSpec?.Labels.Label(WorkflowLabels.SpecHash);
        await DockerAudit.CallAsync(context, endpoint, "POST", $"/services/{service.ID}/update?rollback=previous", () =>
            client.Swarm.UpdateServiceAsync(service.ID, new ServiceUpdateParameters { Service = service.Spec, Version = (long)service.Version.Index, Rollback = "previous" }, context.CancellationToken));
        context.Log.WriteLine($"service {service.Spec.Name}: rollback requested from {service.Spec.TaskTemplate?.ContainerSpec?.Image} to {service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image}");
        return new RolloutState { ServiceId = service.ID, ServiceName = service.Spec.Name, TargetHash = target, Changed = true, RollbackRequested = true };
    }

    /// <summary>
    /// Looks at the service and its tasks once: logs every task state change since the last look and
    /// says whether the target spec has converged (all its tasks running, old ones gone).
    /// </summary>
    public static async Task<Convergence> CheckAsync(IDockerClient client, RolloutState state, StepContext context)
    {
        var ct = context.CancellationToken;
        var service = await client.Swarm.InspectServiceAsync(state.ServiceId, ct);
        var currentHash = service.Spec.Labels.Label(WorkflowLabels.SpecHash);
        var image = service.Spec.TaskTemplate?.ContainerSpec?.Image;
        var tasks = await client.Tasks.ListAsync(
            new TasksListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [service.ID] = true } } },
            ct);

        var seen = new Dictionary<string, string>();
        foreach (var task in tasks.OrderBy(t => t.Slot).ThenBy(t => t.CreatedAt))
        {
            var status = task.Status?.State.ToString().ToLowerInvariant() ?? "unknown";
            var desired = task.DesiredState.ToString().ToLowerInvariant();
            var key = $"{status}/{desired}";
            seen[task.ID] = key;
            if (state.Seen.GetValueOrDefault(task.ID) == key)
            {
                continue;
            }

            var taskHash = HashOf(task);
            var error = string.IsNullOrEmpty(task.Status?.Err) ? string.Empty : $" error=\"{task.Status!.Err}\"";
            var version = taskHash == currentHash ? "current" : taskHash == state.TargetHash ? "target" : "old";
            context.Log.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"task {state.ServiceName}.{task.Slot} {Short(task.ID)} image={task.Spec?.ContainerSpec?.Image} spec={version} state={status} desired={desired} created={task.CreatedAt.ToUniversalTime():O} since={task.Status?.Timestamp.ToUniversalTime():O}{error}"));

            if (taskHash == state.TargetHash && task.Status?.State is TaskState.Failed or TaskState.Rejected)
            {
                state.FailedTasks++;
                if (!string.IsNullOrEmpty(task.Status.Err) && !state.TaskErrors.Contains(task.Status.Err) && state.TaskErrors.Count < 3)
                {
                    state.TaskErrors.Add(task.Status.Err);
                }
            }
        }

        state.Seen = seen;

        var update = service.UpdateStatus?.State;
        if (update == "rollback_started" && !state.RollbackRequested && state.UpdateMessage is null)
        {
            state.UpdateMessage = service.UpdateStatus!.Message;
            context.Log.WriteLine($"service {state.ServiceName}: Docker started a rollback: {service.UpdateStatus.Message}");
        }

        ulong? replicas = service.Spec.Mode?.Replicated?.Replicas;
        var current = tasks.Where(t => HashOf(t) == currentHash && t.DesiredState == TaskState.Running).ToList();
        var running = current.Count(t => t.Status?.State == TaskState.Running);
        var stale = tasks.Count(t => HashOf(t) != currentHash && IsAlive(t.Status?.State));
        var wanted = replicas ?? (ulong)current.Count;
        var progress = $"{state.ServiceName}: {running}/{wanted} task(s) of {image} running, {stale} old task(s) left" + (update is null ? string.Empty : $", update {update}");

        if (update is "paused" or "rollback_paused")
        {
            return new Convergence(ConvergenceStatus.Failed, progress, $"Docker {(update == "paused" ? "paused the update" : "paused the rollback")}: {service.UpdateStatus!.Message}{TaskErrorText(state)}", service.Version.Index, image);
        }

        var inProgress = update is "updating" or "rollback_started";
        var converged = !inProgress && (ulong)current.Count == wanted && (ulong)running == wanted && stale == 0;
        if (converged)
        {
            if (currentHash != state.TargetHash && !state.RollbackRequested)
            {
                var message = state.UpdateMessage ?? service.UpdateStatus?.Message ?? "the service no longer has the deployed spec";
                return new Convergence(ConvergenceStatus.RolledBack, progress, $"{message}{TaskErrorText(state)}", service.Version.Index, image);
            }

            return new Convergence(ConvergenceStatus.Converged, progress, null, service.Version.Index, image);
        }

        // Without an update in flight (a fresh create, or failure action "continue") nobody stops failing tasks; we do.
        if (!inProgress && currentHash == state.TargetHash && state.FailedTasks > (3 * (int)wanted) + 3)
        {
            return new Convergence(ConvergenceStatus.Failed, progress, $"{state.FailedTasks} tasks of {image} failed{TaskErrorText(state)}", service.Version.Index, image);
        }

        return new Convergence(ConvergenceStatus.InProgress, progress, null, service.Version.Index, image);
    }

    /// <summary>Shortens a Docker id for log lines.</summary>
    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static string? HashOf(TaskResponse task) => task.Spec?.ContainerSpec?.Labels.Label(WorkflowLabels.SpecHash);

    private static bool IsAlive(TaskState? state) => state is not (null or TaskState.Complete or TaskState.Shutdown or TaskState.Failed or TaskState.Rejected or TaskState.Remove or TaskState.Orphaned);

    private static string TaskErrorText(RolloutState state) => state.TaskErrors.Count == 0 ? string.Empty : $" (task error: {string.Join("; ", state.TaskErrors)})";

    private static ulong Replicas(ServiceSpec spec) => spec.Mode?.Replicated?.Replicas ?? 0;
}
