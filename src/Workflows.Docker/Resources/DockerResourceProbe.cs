using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Docker.Client;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Resources;

/// <summary>
/// Looks containers, Swarm services, networks and stacks up on the Docker endpoint recorded as the ledger row's provider
/// (inspect and list only). The endpoint's TLS material comes from the server's configuration (<c>Docker</c> section,
/// <c>DOCKER_CERT_PATH</c>), as it does for the delete actions: the ledger holds the address, never key material.
/// </summary>
public sealed class DockerResourceProbe(IDockerClientFactory clients) : IResourceProbe
{
    /// <summary>The ledger kinds the Docker actions record.</summary>
    public static readonly IReadOnlyCollection<string> RecordedKinds = ["docker.container", "docker.service", "docker.network", "docker.stack"];

    /// <inheritdoc />
    public IReadOnlyCollection<string> Kinds => RecordedKinds;

    /// <inheritdoc />
    public async Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (string.IsNullOrEmpty(resource.Provider))
        {
            throw new ArgumentException($"{resource.Kind} {resource.ExternalId} records no Docker endpoint", nameof(resource));
        }

        var (client, _) = clients.Create(new DockerEndpointInputs { Host = resource.Provider });
        using (client)
        {
            switch (resource.Kind)
            {
                case "docker.container":
                    try
                    {
                        await client.Containers.InspectContainerAsync(resource.ExternalId, cancellationToken);
                        return ResourcePresence.Present;
                    }
                    catch (DockerContainerNotFoundException)
                    {
                        return ResourcePresence.Gone;
                    }

                case "docker.service":
                    try
                    {
                        await client.Swarm.InspectServiceAsync(resource.ExternalId, cancellationToken);
                        return ResourcePresence.Present;
                    }
                    catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
                    {
                        return ResourcePresence.Gone;
                    }

                case "docker.network":
                    try
                    {
                        await client.Networks.InspectNetworkAsync(resource.ExternalId, cancellationToken);
                        return ResourcePresence.Present;
                    }
                    catch (DockerApiException ex) when (ex is DockerNetworkNotFoundException || ex.StatusCode == HttpStatusCode.NotFound)
                    {
                        return ResourcePresence.Gone;
                    }

                case "docker.stack":
                    // A stack is its services and networks (labelled with its namespace, as docker stack ls counts them).
                    // Listing services needs a swarm manager: on any other engine this throws and the row stays as it is.
                    var services = await SwarmRollout.FindServicesByLabelAsync(client, WorkflowLabels.StackNamespace, resource.ExternalId, cancellationToken);
                    if (services.Count > 0)
                    {
                        return ResourcePresence.Present;
                    }

                    var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{WorkflowLabels.StackNamespace}={resource.ExternalId}"] = true } };
                    var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }, cancellationToken);
                    return networks.Count > 0 ? ResourcePresence.Present : ResourcePresence.Gone;
                default:
                    throw new ArgumentException($"{resource.Kind} is not a Docker kind this probe knows", nameof(resource));
            }
        }
    }
}
