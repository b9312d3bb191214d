using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Client;
using Workflows.Kubernetes.Manifests;
using Workflows.Kubernetes.Rollout;

namespace Workflows.Kubernetes.Actions;

/// <summary>A workload named in <c>kubernetes.rollout</c>'s <c>objects</c> (the <c>objects</c> output of <c>kubernetes.apply</c> fits).</summary>
public sealed record WorkloadInput
{
    /// <summary>Gets the API version. Default is <c>apps/v1</c>.</summary>
    public string ApiVersion { get; init; } = "apps/v1";

    /// <summary>Gets the kind; objects that are not Deployments, StatefulSets or DaemonSets are skipped.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>Gets the namespace. Default is the step's namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the generation the rollout must have observed (from kubernetes.apply). Default is the live one.</summary>
    public long? Generation { get; init; }
}

/// <summary>Inputs of <c>kubernetes.rollout</c>: the workloads from <see cref="Objects"/>, else from the manifest.</summary>
public sealed record RolloutInputs : ManifestInputs
{
    /// <summary>Gets the objects to wait for, e.g. <c>${{ steps.apply.outputs.objects }}</c>.</summary>
    public IReadOnlyList<WorkloadInput>? Objects { get; init; }
}

/// <summary>Outputs of <c>kubernetes.rollout</c>.</summary>
/// <param name="Workloads">The workloads rolled out, as <c>deployment/myapp -n ns</c>.</param>
public sealed record RolloutOutputs(IReadOnlyList<string> Workloads);

/// <summary>State of <c>kubernetes.rollout</c> between polls.</summary>
public sealed class RolloutState
{
    /// <summary>Gets or sets the workloads.</summary>
    public List<WatchedWorkload> Workloads { get; set; } = [];
}

/// <summary>
/// <c>kubernetes.rollout</c>: <c>kubectl rollout status</c> for every Deployment, StatefulSet and DaemonSet given, without
/// holding a worker (each check is one poll). Fails on <c>ProgressDeadlineExceeded</c> with the pods' reasons
/// (ImagePullBackOff, CrashLoopBackOff, Unschedulable…), which are also written to the run log as they appear.
/// </summary>
public sealed class RolloutAction(IKubernetesClientFactory clients, ManifestSource manifests, IOptions<KubernetesOptions> options)
    : KubernetesAction<RolloutInputs, RolloutOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(RolloutInputs inputs) => "Waiting for the rollout";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(RolloutInputs inputs, StepContext context, KubernetesApiClient client)
    {
        var state = context.GetState<RolloutState>() ?? await StartAsync(inputs, context, client);
        if (state.Workloads.Count == 0)
        {
            context.Log.WriteLine("No Deployment, StatefulSet or DaemonSet to wait for.");
            return Completed(new RolloutOutputs([]));
        }

        var result = await WorkloadWatch.PollAsync(client, state.Workloads, context);
        return result.Phase switch
        {
            RolloutPhase.Done => Completed(new RolloutOutputs(state.Workloads.Select(w => w.Ref.ToString()).ToList())),
            RolloutPhase.Failed => StepResult.Failed("kubernetes.rollout_failed", $"The rollout failed on {client.Access}: {result.Failure}", retryable: false),
            _ => StepResult.Pending(options.Value.PollDelay(context.PollCount), result.Progress, state),
        };
    }

    private async Task<RolloutState> StartAsync(RolloutInputs inputs, StepContext context, KubernetesApiClient client)
    {
        var state = new RolloutState();
        if (inputs.Objects is { Count: > 0 } objects)
        {
            state.Workloads = objects.Where(o => RolloutStatus.Kinds.Contains(o.Kind))
                .Select(o => new WatchedWorkload { ApiVersion = o.ApiVersion, Kind = o.Kind, Namespace = o.Namespace ?? client.Access.DefaultNamespace, Name = o.Name, Generation = o.Generation })
                .ToList();
        }
        else
        {
            var manifest = await manifests.ReadAsync(inputs, context.CancellationToken);
            state.Workloads = manifest.Where(o => RolloutStatus.Kinds.Contains(o.Kind))
                .Select(o => new WatchedWorkload { ApiVersion = o.ApiVersion, Kind = o.Kind, Namespace = o.Namespace ?? client.Access.DefaultNamespace, Name = o.Name })
                .ToList();
        }

        context.Log.WriteLine($"Waiting for the rollout of {string.Join(", ", state.Workloads.Select(w => w.Ref.ToString()))} on {client.Access}");
        return state;
    }
}
