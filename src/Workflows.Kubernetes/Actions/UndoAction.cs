using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.Kubernetes.Rollout;

namespace Workflows.Kubernetes.Actions;

/// <summary>Inputs of <c>kubernetes.undo</c>: the same cluster access as the <c>kubernetes.apply</c> it undoes.</summary>
public sealed record UndoInputs : KubernetesAccessInputs
{
    /// <summary>Gets how a first deploy's objects are deleted: <c>Background</c> (default), <c>Foreground</c> or <c>Orphan</c>.</summary>
    public string PropagationPolicy { get; init; } = "Background";

    /// <summary>Gets whether the step waits until deleted objects are gone and restored workloads rolled out. Default is true.</summary>
    public bool Wait { get; init; } = true;
}

/// <summary>Outputs of <c>kubernetes.undo</c>.</summary>
/// <param name="Deleted">Objects the apply created, now deleted.</param>
/// <param name="Restored">Objects put back to their recorded previous state.</param>
/// <param name="Left">Objects left as applied, with the reason (e.g. a Secret's data is never recorded).</param>
public sealed record UndoOutputs(IReadOnlyList<string> Deleted, IReadOnlyList<string> Restored, IReadOnlyList<string> Left);

/// <summary>State of <c>kubernetes.undo</c> between polls.</summary>
public sealed class UndoState
{
    /// <summary>Gets or sets the cluster's URL.</summary>
    public string Cluster { get; set; } = string.Empty;

    /// <summary>Gets or sets the deleted objects waited for.</summary>
    public List<DeletingObject> Deleting { get; set; } = [];

    /// <summary>Gets or sets the restored workloads whose rollout is waited for.</summary>
    public List<WatchedWorkload> Restoring { get; set; } = [];

    /// <summary>Gets or sets the restored objects.</summary>
    public List<string> Restored { get; set; } = [];

    /// <summary>Gets or sets the objects left as they are, with why.</summary>
    public List<string> Left { get; set; } = [];
}

/// <summary>
/// <c>kubernetes.undo</c>, the compensation of <c>kubernetes.apply</c>: restores what the apply recorded in its state, in
/// reverse order — an object that was absent is deleted (and waited until gone), an object that existed is applied again
/// as it was (server-side apply under our field manager, so the fields we added go away) and its rollout waited for.
/// Kubernetes never rolls back by itself; this is how a failed or cancelled run does.
/// </summary>
public sealed class UndoAction(IKubernetesClientFactory clients, IOptions<KubernetesOptions> options, ISecretProtector protector)
    : KubernetesAction<UndoInputs, UndoOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(UndoInputs inputs) => "Undoing the apply";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(UndoInputs inputs, StepContext context, KubernetesApiClient client)
    {
        if (context.Compensating is not { } target)
        {
            return StepResult.Failed("inputs.invalid", "kubernetes.undo undoes a kubernetes.apply step: use it in that step's compensate:.", retryable: false);
        }

        var state = context.GetState<UndoState>() ?? await StartAsync(inputs, target, context, client);
        var gone = inputs.Wait ? await GoneWatch.PollAsync(client, state.Deleting, context, state.Cluster) : [];
        var rollout = inputs.Wait && state.Restoring.Count > 0 ? await WorkloadWatch.PollAsync(client, state.Restoring, context) : new WatchResult(RolloutPhase.Done, string.Empty, null);
        if (rollout.Phase == RolloutPhase.Failed)
        {
            return StepResult.Failed("kubernetes.rollout_failed", $"The restored previous state did not roll out on {client.Access}: {rollout.Failure}", retryable: false);
        }

        if (gone.Count == 0 && rollout.Phase == RolloutPhase.Done)
        {
            return Completed(new UndoOutputs(state.Deleting.Select(d => d.Ref.ToString()).ToList(), state.Restored, state.Left));
        }

        var progress = string.Join("; ", new[] { gone.Count > 0 ? $"waiting for {string.Join(", ", gone.Select(g => g.Ref.ToString()))} to be gone" : null, rollout.Phase == RolloutPhase.Waiting ? rollout.Progress : null }.Where(p => p is not null));
        return StepResult.Pending(options.Value.PollDelay(context.PollCount), progress, state);
    }

    private async Task<UndoState> StartAsync(UndoInputs inputs, CompensationTarget target, StepContext context, KubernetesApiClient client)
    {
        var ct = context.CancellationToken;
        var applied = target.State is { ValueKind: JsonValueKind.Object } s ? s.Deserialize<ApplyState>(JsonDefaults.Options) : null;
        var state = new UndoState { Cluster = applied?.Cluster ?? client.Access.Server };
        if (applied is null)
        {
            // The apply never recorded a state, so it applied nothing; what an earlier attempt created is in the ledger.
            applied = new ApplyState { Cluster = state.Cluster };
            foreach (var e in (await context.Resources.ListForRunAsync(ct)).Where(e => e.StepId == target.StepId && e.DeletedAt is null && e.Kind.StartsWith("kubernetes.", StringComparison.Ordinal)))
            {
                var ns = e.Properties.GetValueOrDefault("namespace");
                var apiVersion = e.Properties.GetValueOrDefault("apiVersion") ?? "v1";
                var kind = e.Properties.GetValueOrDefault("kind") ?? string.Empty;
                var resource = await client.ResolveAsync(apiVersion, kind, ct);
                if (resource is null)
                {
                    continue;
                }

                applied.Objects.Add(new PreviousObject
                {
                    ApiVersion = apiVersion, Kind = kind, Namespace = string.IsNullOrEmpty(ns) ? null : ns, Name = e.Name ?? e.ExternalId,
                    Plural = resource.Plural, Namespaced = resource.Namespaced, Existed = e.Properties.GetValueOrDefault("previous") != "absent",
                    NotKept = "the apply's recorded state is gone",
                });
            }
        }

        if (client.Access.Server != applied.Cluster)
        {
            return Fail($"The apply ran against {applied.Cluster}, but this step's kubeconfig points at {client.Access.Server}; give it the same cluster access.");
        }

        // Rows recorded before ledger kinds carried the API group (an apply of an older version) are marked deleted too.
        var ledger = applied.Objects.Any(o => !o.Existed) ? await context.Resources.ListForRunAsync(ct) : [];
        for (var i = applied.Objects.Count - 1; i >= 0; i--)
        {
            var o = applied.Objects[i];
            if (!o.Existed)
            {
                var legacy = ledger.Any(e => e.Kind != o.Ref.LedgerKind && e.Provider == state.Cluster && o.Ref.IsLedgerRow(e.Kind, e.ExternalId, e.Properties)) ? o.Ref.LegacyLedgerKind : null;
                if (await GoneWatch.DeleteAsync(client, o.Ref, o.Resource, inputs.PropagationPolicy, context, state.Cluster, legacy) is { } deleting)
                {
                    state.Deleting.Add(deleting);
                }

                continue;
            }

            var previous = o.Previous ?? Unseal(o);
            if (previous is null)
            {
                var why = o.NotKept ?? "no previous state recorded";
                context.Log.WriteLine($"{o.Ref}: left as applied ({why})");
                state.Left.Add($"{o.Ref}: {why}");
                continue;
            }

            var restored = await client.ApplyAsync(o.Ref, o.Resource, previous, options.Value.FieldManager, ct);
            var generation = RolloutStatus.Number(restored["metadata"], "generation");
            context.Log.WriteLine($"{o.Ref}: restored to its previous state (generation {generation})");
            state.Restored.Add(o.Ref.ToString());
            if (RolloutStatus.Kinds.Contains(o.Kind))
            {
                state.Restoring.Add(new WatchedWorkload { ApiVersion = o.ApiVersion, Kind = o.Kind, Namespace = o.Namespace, Name = o.Name, Generation = generation });
            }
        }

        return state;
    }

    /// <summary>Opens a Secret's sealed previous state; null (with the reason in <see cref="PreviousObject.NotKept"/>) when this server's key cannot.</summary>
    private JsonObject? Unseal(PreviousObject o)
    {
        if (o.SealedPrevious is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(protector.Unprotect(o.SealedPrevious)) as JsonObject;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            // Never the text itself: only that it cannot be opened.
            o.NotKept = "its sealed previous state cannot be opened with this server's Workflows:SecretKey (was the key changed?)";
            return null;
        }
    }

    private static UndoState Fail(string message) => throw new StepFailedException("kubernetes.undo", message, retryable: false);
}
