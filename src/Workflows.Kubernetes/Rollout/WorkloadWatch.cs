using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Rollout;

/// <summary>A workload whose rollout a step waits for, as kept in the step state between polls.</summary>
public sealed class WatchedWorkload
{
    /// <summary>Gets or sets the API version.</summary>
    public string ApiVersion { get; set; } = "apps/v1";

    /// <summary>Gets or sets the kind: Deployment, StatefulSet or DaemonSet.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Gets or sets the namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the generation the rollout must have observed; null: the one read on the first poll.</summary>
    public long? Generation { get; set; }

    /// <summary>Gets or sets whether it is rolled out.</summary>
    public bool Done { get; set; }

    /// <summary>Gets or sets the last status message logged.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets the last pod-level reasons logged.</summary>
    public string? Reasons { get; set; }

    /// <summary>Returns the reference.</summary>
    public ObjectRef Ref => new(ApiVersion, Kind, Namespace, Name);
}

/// <summary>The outcome of one poll over several workloads.</summary>
/// <param name="Phase">Waiting until all are done; failed as soon as one failed.</param>
/// <param name="Progress">E.g. <c>deployment/myapp: 2/3 updated, 1 available</c>.</param>
/// <param name="Failure">Why it failed, with the pods' reasons.</param>
public sealed record WatchResult(RolloutPhase Phase, string Progress, string? Failure);

/// <summary>One poll of <c>kubectl rollout status</c> over several workloads, logging what changed.</summary>
public static class WorkloadWatch
{
    private static readonly ResourceInfo Deployments = new("deployments", true);
    private static readonly ResourceInfo StatefulSets = new("statefulsets", true);
    private static readonly ResourceInfo DaemonSets = new("daemonsets", true);

    /// <summary>Reads each workload not yet done and checks it.</summary>
    public static async Task<WatchResult> PollAsync(KubernetesApiClient client, IReadOnlyList<WatchedWorkload> workloads, StepContext context)
    {
        var ct = context.CancellationToken;
        var progress = new List<string>();
        foreach (var w in workloads.Where(w => !w.Done))
        {
            var resource = w.Kind switch { "Deployment" => Deployments, "StatefulSet" => StatefulSets, "DaemonSet" => DaemonSets, _ => null }
                ?? await client.ResolveAsync(w.ApiVersion, w.Kind, ct)
                ?? throw new StepFailedException("kubernetes.manifest", $"{client.Access} serves no kind '{w.Kind}' in '{w.ApiVersion}'.", retryable: false);
            var live = await client.GetAsync(w.Ref, resource, ct);
            if (live is null)
            {
                return new WatchResult(RolloutPhase.Failed, string.Empty, $"{w.Ref} does not exist on {client.Access}.");
            }

            w.Generation ??= RolloutStatus.Number(live["metadata"], "generation");
            var check = RolloutStatus.Check(live, w.Generation);
            if (check.Message != w.Message)
            {
                context.Log.WriteLine($"{w.Ref}: {check.Message} ({check.Progress})");
                w.Message = check.Message;
            }

            if (check.Phase == RolloutPhase.Done)
            {
                w.Done = true;
                continue;
            }

            var reasons = await PodDiagnostics.DiagnoseAsync(client, live, ct);
            var joined = string.Join("; ", reasons);
            if (joined.Length > 0 && joined != w.Reasons)
            {
                foreach (var reason in reasons)
                {
                    context.Log.WriteLine($"{w.Ref}: {reason}");
                }
            }

            w.Reasons = joined;
            if (check.Phase == RolloutPhase.Failed)
            {
                return new WatchResult(RolloutPhase.Failed, check.Progress, $"{w.Ref}: {check.Message} ({check.Progress}){(joined.Length > 0 ? $"; pods: {joined}" : string.Empty)}");
            }

            progress.Add($"{w.Ref}: {check.Progress}{(reasons.Count > 0 ? $" ({reasons[0].Split(':')[0]})" : string.Empty)}");
        }

        return progress.Count == 0
            ? new WatchResult(RolloutPhase.Done, string.Join(", ", workloads.Select(w => $"{w.Ref}: rolled out")), null)
            : new WatchResult(RolloutPhase.Waiting, string.Join("; ", progress), null);
    }
}
