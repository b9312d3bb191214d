using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Actions;

/// <summary>Inputs of <c>kubernetes.object.delete</c>: one object named by kind and name (the namespace is <see cref="KubernetesAccessInputs.Namespace"/>).</summary>
public sealed record ObjectDeleteInputs : KubernetesAccessInputs
{
    /// <summary>Gets the API server's URL the object lives on. When given, the step refuses a context that reaches another cluster and, when the context given (or the current one) does not reach it, uses a context of the same kubeconfig that does. Default is none (the context's cluster).</summary>
    public string? Cluster { get; init; }

    /// <summary>Gets the object's API version, e.g. <c>apps/v1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>Gets the object's kind, e.g. <c>Deployment</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the object's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets how dependents (a Deployment's ReplicaSets and pods) are deleted: <c>Background</c> (default, as kubectl), <c>Foreground</c> or <c>Orphan</c>.</summary>
    public string PropagationPolicy { get; init; } = "Background";

    /// <summary>Gets whether the step waits until the object is gone. Default is true.</summary>
    public bool Wait { get; init; } = true;

    /// <summary>
    /// Gets the kind of the ledger row to mark deleted: the object's ledger kind (<c>kubernetes.deployment.apps</c>, the
    /// default) or, for a row recorded before ledger kinds carried the API group, the kind without it (<c>kubernetes.deployment</c>).
    /// The Resources page's Delete passes the row's kind. Default is none (the object's ledger kind).
    /// </summary>
    public string? LedgerKind { get; init; }
}

/// <summary>
/// <c>kubernetes.object.delete</c>: <c>kubectl delete &lt;kind&gt; &lt;name&gt;</c> of one object (what the Resources page's Delete
/// runs for a <c>kubernetes.*</c> ledger row), then polls until it is gone (with <c>Foreground</c>, until its dependents are
/// gone too); the ledger row is marked deleted then. An object already absent is a success.
/// </summary>
public sealed class ObjectDeleteAction(IKubernetesClientFactory clients, KubeconfigLoader loader, IOptions<KubernetesOptions> options) : StepAction<ObjectDeleteInputs, DeleteOutputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ObjectDeleteInputs inputs, StepContext context)
    {
        if (GoneWatch.CheckPolicy(inputs.PropagationPolicy) is { } invalid)
        {
            return invalid;
        }

        try
        {
            var access = string.IsNullOrWhiteSpace(inputs.Cluster) ? inputs : ClusterLocator.Locate(loader, inputs, inputs.Cluster);
            using var client = clients.Create(access, context);
            if (!string.IsNullOrWhiteSpace(inputs.Cluster) && client.Access.Server != inputs.Cluster.TrimEnd('/'))
            {
                // Never delete an object of the same name on another cluster.
                return StepResult.Failed("kubernetes.kubeconfig", $"cluster: {client.Access} is not {inputs.Cluster}, where the object lives.", retryable: false);
            }

            try
            {
                return await ExecuteAsync(inputs, context, client);
            }
            catch (KubernetesApiException ex)
            {
                throw KubernetesErrors.Translate(ex, $"Deleting {inputs.Kind.ToLowerInvariant()}/{inputs.Name} on {client.Access}");
            }
        }
        catch (StepFailedException ex)
        {
            return StepResult.Failed(ex.ErrorCode, ex.Message, ex.Retryable);
        }
    }

    private Task<StepResult> ExecuteAsync(ObjectDeleteInputs inputs, StepContext context, KubernetesApiClient client) =>
        GoneWatch.StepAsync(
            client,
            context,
            async token =>
            {
                var resource = await client.ResolveAsync(inputs.ApiVersion, inputs.Kind, token)
                    ?? throw new StepFailedException("kubernetes.kind", $"kind: {client.Access} serves no kind '{inputs.Kind}' in '{inputs.ApiVersion}'.", retryable: false);
                var target = new ObjectRef(inputs.ApiVersion, inputs.Kind, resource.Namespaced ? client.Access.DefaultNamespace : null, inputs.Name);
                return [new DeleteTarget(target, resource, LegacyKind(inputs, target))];
            },
            inputs.PropagationPolicy,
            inputs.Wait,
            options.Value.PollDelay);

    // The row's kind must name this object: a row of another kind is never marked through this step.
    private static string? LegacyKind(ObjectDeleteInputs inputs, ObjectRef target) => string.IsNullOrWhiteSpace(inputs.LedgerKind) || inputs.LedgerKind == target.LedgerKind
        ? null
        : inputs.LedgerKind == target.LegacyLedgerKind
            ? target.LegacyLedgerKind
            : throw new StepFailedException("inputs.invalid", $"ledgerKind: '{inputs.LedgerKind}' is not the ledger kind of {target} ({target.LedgerKind}, or {target.LegacyLedgerKind} for a row recorded before kinds carried the API group).", retryable: false);
}
