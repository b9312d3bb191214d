using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.OpenStack.Actions;

namespace Workflows.OpenStack.Resources;

/// <summary>Looks servers, floating IPs, clusters and cluster templates up by id in the cloud named by the ledger's provider (GET only).</summary>
public sealed class OpenStackResourceProbe(IOpenStackClientFactory clients) : IResourceProbe
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Kinds { get; } = [ResourceKinds.Server, ResourceKinds.FloatingIp, ResourceKinds.Cluster, ResourceKinds.ClusterTemplate];

    /// <inheritdoc />
    public async Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default)
    {
        var os = clients.Connect(resource.Provider);
        switch (resource.Kind)
        {
            case ResourceKinds.Server:
                var server = await os.Compute.TryGetServerAsync(resource.ExternalId, cancellationToken);
                return server is null || server.Status is "DELETED" or "SOFT_DELETED" ? ResourcePresence.Gone : ResourcePresence.Present;
            case ResourceKinds.FloatingIp:
                try
                {
                    await os.Network.GetFloatingIpAsync(resource.ExternalId, cancellationToken);
                    return ResourcePresence.Present;
                }
                catch (OpenStackNotFoundException)
                {
                    return ResourcePresence.Gone;
                }

            case ResourceKinds.Cluster:
                var cluster = await os.ContainerInfra.TryGetClusterAsync(resource.ExternalId, cancellationToken);
                return cluster is null || cluster.Status == "DELETE_COMPLETE" ? ResourcePresence.Gone : ResourcePresence.Present;
            case ResourceKinds.ClusterTemplate:
                return await os.ContainerInfra.TryGetClusterTemplateAsync(resource.ExternalId, cancellationToken) is null ? ResourcePresence.Gone : ResourcePresence.Present;
            default:
                throw new ArgumentException($"{resource.Kind} is not an OpenStack kind this probe knows", nameof(resource));
        }
    }
}
