using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Client;
using Workflows.Kubernetes.Manifests;

namespace Workflows.Kubernetes.Actions;

/// <summary>Inputs of <c>kubernetes.delete</c>.</summary>
public sealed record DeleteInputs : ManifestInputs
{
    /// <summary>Gets how dependents (a Deployment's ReplicaSets and pods) are deleted: <c>Background</c> (default, as kubectl), <c>Foreground</c> or <c>Orphan</c>.</summary>
    public string PropagationPolicy { get; init; } = "Background";

    /// <summary>Gets whether the step waits until the objects are gone. Default is true.</summary>
    public bool Wait { get; init; } = true;
}

/// <summary>Outputs of <c>kubernetes.delete</c>.</summary>
/// <param name="Deleted">The objects this step deleted.</param>
/// <param name="Absent">The objects that were already absent.</param>
public sealed record DeleteOutputs(IReadOnlyList<string> Deleted, IReadOnlyList<string> Absent);

/// <summary>State of <c>kubernetes.delete</c> between polls.</summary>
public sealed class DeleteState
{
    /// <summary>Gets or sets the objects deleted and waited for.</summary>
    public List<DeletingObject> Deleting { get; set; } = [];

    /// <summary>Gets or sets the objects that were already absent.</summary>
    public List<string> Absent { get; set; } = [];

    /// <summary>Gets or sets the cluster's URL.</summary>
    public string Cluster { get; set; } = string.Empty;
}

/// <summary>
/// <c>kubernetes.delete</c>: <c>kubectl delete -f</c> of a manifest, then polls until every object is gone (with
/// <c>Foreground</c>, until its dependents are gone too). Absent objects are fine: a second execution finds them gone.
/// </summary>
public sealed class DeleteAction(IKubernetesClientFactory clients, ManifestSource manifests, IOptions<KubernetesOptions> options)
    : KubernetesAction<DeleteInputs, DeleteOutputs>(clients)
{
    private static readonly string[] Policies = ["Background", "Foreground", "Orphan"];

    /// <inheritdoc />
    protected override string Describe(DeleteInputs inputs) => "Deleting the manifest's objects";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(DeleteInputs inputs, StepContext context, KubernetesApiClient client)
    {
        var ct = context.CancellationToken;
        if (!Policies.Contains(inputs.PropagationPolicy, StringComparer.Ordinal))
        {
            return StepResult.Failed("inputs.invalid", $"propagationPolicy: '{inputs.PropagationPolicy}' is not one of {string.Join(", ", Policies)}.", retryable: false);
        }

        var state = context.GetState<DeleteState>();
        if (state is null)
        {
            state = new DeleteState { Cluster = client.Access.Server };
            foreach (var o in await manifests.ReadAsync(inputs, ct))
            {
                var resource = await client.ResolveAsync(o.ApiVersion, o.Kind, ct)
                    ?? throw new StepFailedException("kubernetes.manifest", $"manifest {o.Where("kind")}: {client.Access} serves no kind '{o.Kind}' in '{o.ApiVersion}'.", retryable: false);
                var target = o.RefIn(resource, client.Access.DefaultNamespace);
                if (await GoneWatch.DeleteAsync(client, target, resource, inputs.PropagationPolicy, context, state.Cluster) is { } deleting)
                {
                    state.Deleting.Add(deleting);
                }
                else
                {
                    state.Absent.Add(target.ToString());
                }
            }
        }

        var waiting = inputs.Wait ? await GoneWatch.PollAsync(client, state.Deleting, context, state.Cluster) : [];
        if (waiting.Count == 0)
        {
            return Completed(new DeleteOutputs(state.Deleting.Select(d => d.Ref.ToString()).ToList(), state.Absent));
        }

        return StepResult.Pending(options.Value.PollDelay(context.PollCount), $"waiting for {string.Join(", ", waiting.Select(w => w.Ref.ToString()))} to be gone", state);
    }
}
