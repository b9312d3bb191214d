using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.ContainerInfra.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>magnum.cluster.delete</c>.</summary>
public sealed class MagnumClusterDeleteInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the cluster name or uuid. When null in a compensation, found by the compensated step's outputs, state or key.</summary>
    public string? Cluster { get; set; }
}

/// <summary>Outputs of <c>magnum.cluster.delete</c>.</summary>
/// <param name="Id">The cluster deleted, if one was found.</param>
/// <param name="Deleted">Whether one existed and is now gone.</param>
public sealed record MagnumClusterDeleteOutputs(string? Id, bool Deleted);

/// <summary>Deletes a cluster and waits until Magnum no longer returns it; DELETE_FAILED fails (retryable).</summary>
public sealed class MagnumClusterDeleteAction(IOpenStackClientFactory clients, IOptions<OpenStackOptions> options) : StepAction<MagnumClusterDeleteInputs, MagnumClusterDeleteOutputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(MagnumClusterDeleteInputs inputs, StepContext context)
    {
        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var magnum = os.ContainerInfra;
            var state = context.GetState<ClusterState>();
            var id = state?.ClusterId
                ?? inputs.Cluster
                ?? ActionSupport.ReadString(context.Compensating?.Outputs, "id")
                ?? ActionSupport.ReadString(context.Compensating?.State, "clusterId");
            if (id is null && context.Compensating is { } target)
            {
                var tag = ActionSupport.Tag(target.IdempotencyKey);
                foreach (var c in await magnum.ListClustersAsync(ct))
                {
                    if ((await magnum.TryGetClusterAsync(c.Uuid, ct))?.Labels is { } labels && labels.TryGetValue(ActionSupport.IdempotencyMetadataKey, out var v) && v == tag)
                    {
                        id = c.Uuid;
                        break;
                    }
                }
            }

            if (id is null)
            {
                if (context.Compensating is null)
                {
                    return StepResult.Failed("inputs.invalid", "magnum.cluster.delete needs a 'cluster'.", retryable: false);
                }

                context.Log.WriteLine("No cluster to delete: the compensated step created none.");
                return Completed(new MagnumClusterDeleteOutputs(null, false));
            }

            if (state is null)
            {
                var existing = await magnum.TryGetClusterAsync(id, ct);
                if (existing is null || !await magnum.DeleteClusterAsync(existing.Uuid, ct))
                {
                    // Deleted by someone else: the ledger says so too, or the Resources page keeps listing it.
                    await context.Resources.MarkDeletedAsync(ResourceKinds.Cluster, existing?.Uuid ?? id, os.Cloud.Name, ct);
                    context.Log.WriteLine($"Cluster {id} is already gone.");
                    return Completed(new MagnumClusterDeleteOutputs(existing?.Uuid ?? id, true));
                }

                context.Log.WriteLine($"Deleting cluster {existing.Name} ({existing.Uuid}).");
                return ActionSupport.Pending(options.Value, 0, "DELETE_IN_PROGRESS", new ClusterState(existing.Uuid));
            }

            var cluster = await magnum.TryGetClusterAsync(id, ct);
            if (cluster is null)
            {
                await context.Resources.MarkDeletedAsync(ResourceKinds.Cluster, id, os.Cloud.Name, ct);
                context.Log.WriteLine($"Cluster {id} is gone.");
                return Completed(new MagnumClusterDeleteOutputs(id, true));
            }

            if (cluster.Status == "DELETE_FAILED")
            {
                return StepResult.Failed("magnum.delete_failed", $"Cluster {cluster.Name} ({cluster.Uuid}) is DELETE_FAILED: {cluster.StatusReason}", retryable: true);
            }

            return ActionSupport.Pending(options.Value, context.PollCount, cluster.Status, state);
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
