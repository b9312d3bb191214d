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
/// Every live ledger row of each object is marked deleted, whichever run recorded it: the row under its kind with the API
/// group and one an older version recorded without it.
/// </summary>
public sealed class DeleteAction(IKubernetesClientFactory clients, ManifestSource manifests, IOptions<KubernetesOptions> options)
    : KubernetesAction<DeleteInputs, DeleteOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(DeleteInputs inputs) => "Deleting the manifest's objects";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(DeleteInputs inputs, StepContext context, KubernetesApiClient client)
    {
        return await GoneWatch.StepAsync(
            client,
            context,
            async token =>
            {
                var targets = new List<DeleteTarget>();
                foreach (var o in await manifests.ReadAsync(inputs, token))
                {
                    var resource = await client.ResolveAsync(o.ApiVersion, o.Kind, token)
                        ?? throw new StepFailedException("kubernetes.manifest", $"manifest {o.Where("kind")}: {client.Access} serves no kind '{o.Kind}' in '{o.ApiVersion}'.", retryable: false);
                    var target = o.RefIn(resource, client.Access.DefaultNamespace);
                    targets.Add(new DeleteTarget(target, resource, await GoneWatch.FindLegacyLedgerKindAsync(context, target, client.Access.Server)));
                }

                return targets;
            },
            inputs.PropagationPolicy,
            inputs.Wait,
            options.Value.PollDelay);
    }
}
