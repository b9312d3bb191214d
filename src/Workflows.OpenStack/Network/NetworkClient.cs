using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Http;
using Workflows.OpenStack.Identity;
using Workflows.OpenStack.Network.Responses;

namespace Workflows.OpenStack.Network;

/// <summary>Neutron v2.0: networks, ports, floating IPs.</summary>
public sealed class NetworkClient(HttpClient http, TokenProvider tokens, CloudDefinition cloud, string defaultInterface, IStepAudit? audit)
    : OpenStackServiceClient(http, tokens, cloud, "network", defaultInterface, audit)
{
    /// <summary>Lists networks, optionally by name and external flag.</summary>
    public async Task<IReadOnlyList<Responses.Network>> ListNetworksAsync(string? name = null, bool? external = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<NetworksEnvelope>(HttpMethod.Get, "v2.0/networks" + Query(("name", name), ("router:external", external?.ToString().ToLowerInvariant())), null, cancellationToken)).Networks;

    /// <summary>Gets a network by id.</summary>
    /// <exception cref="OpenStackNotFoundException">No such network.</exception>
    public async Task<Responses.Network> GetNetworkAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<NetworkEnvelope>(HttpMethod.Get, $"v2.0/networks/{Segment(id)}", null, cancellationToken)).Network;

    /// <summary>Finds a network by id, else by exact name.</summary>
    /// <exception cref="OpenStackNotFoundException">No network has that id or name; carries Neutron's own 404 message.</exception>
    /// <exception cref="OpenStackConflictException">Several networks have that name.</exception>
    public async Task<Responses.Network> FindNetworkAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        // Neutron answers GET networks/{id} with 404 NetworkNotFound "Network X could not be found."
        // for any string, so the error of a truly unknown network is the cloud's own.
        OpenStackNotFoundException notFound;
        try
        {
            return await GetNetworkAsync(nameOrId, cancellationToken);
        }
        catch (OpenStackNotFoundException ex)
        {
            notFound = ex;
        }

        var matches = await ListNetworksAsync(nameOrId, null, cancellationToken);
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw notFound,
            _ => throw new OpenStackConflictException("network", "GET", "/v2.0/networks", $"{matches.Count} networks are named '{nameOrId}'; use an id.", null, null),
        };
    }

    /// <summary>Gets a project's floating IP quota and usage (the <c>quota-details</c> extension: <c>GET /v2.0/quotas/{project}/details.json</c>).</summary>
    public async Task<QuotaDetail> GetFloatingIpQuotaAsync(string projectId, CancellationToken cancellationToken = default) =>
        (await SendAsync<QuotaDetailsEnvelope>(HttpMethod.Get, $"v2.0/quotas/{Segment(projectId)}/details.json", null, cancellationToken)).Quota.Floatingip;

    /// <summary>
    /// Gets how many addresses a network's subnets hold and how many are used (the <c>network-ip-availability</c>
    /// extension: <c>GET /v2.0/network-ip-availabilities/{network}</c>). Neutron's default policy lets only admins read
    /// it: others get a 404 (<see cref="OpenStackNotFoundException"/>) or a 403.
    /// </summary>
    public async Task<NetworkIpAvailability> GetNetworkIpAvailabilityAsync(string networkId, CancellationToken cancellationToken = default) =>
        (await SendAsync<IpAvailabilityEnvelope>(HttpMethod.Get, $"v2.0/network-ip-availabilities/{Segment(networkId)}", null, cancellationToken)).NetworkIpAvailability;

    /// <summary>Lists the ports of a device (e.g. a server's ports).</summary>
    public async Task<IReadOnlyList<Port>> ListPortsAsync(string? deviceId = null, string? networkId = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<PortsEnvelope>(HttpMethod.Get, "v2.0/ports" + Query(("device_id", deviceId), ("network_id", networkId)), null, cancellationToken)).Ports;

    /// <summary>Lists floating IPs, filtered by port, address or description.</summary>
    public async Task<IReadOnlyList<FloatingIp>> ListFloatingIpsAsync(string? portId = null, string? address = null, string? description = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<FloatingIpsEnvelope>(HttpMethod.Get, "v2.0/floatingips" + Query(("port_id", portId), ("floating_ip_address", address), ("description", description)), null, cancellationToken)).Floatingips;

    /// <summary>Gets a floating IP.</summary>
    /// <exception cref="OpenStackNotFoundException">No such floating IP.</exception>
    public async Task<FloatingIp> GetFloatingIpAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<FloatingIpEnvelope>(HttpMethod.Get, $"v2.0/floatingips/{Segment(id)}", null, cancellationToken)).Floatingip;

    /// <summary>Allocates a floating IP on an external network, associated with <paramref name="portId"/> when given.</summary>
    /// <exception cref="OpenStackQuotaExceededException">The floating IP quota is exhausted (409 OverQuota).</exception>
    public async Task<FloatingIp> CreateFloatingIpAsync(string externalNetworkId, string? portId = null, string? description = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["floating_network_id"] = externalNetworkId };
        if (portId is not null)
        {
            body["port_id"] = portId;
        }

        if (description is not null)
        {
            body["description"] = description;
        }

        return (await SendAsync<FloatingIpEnvelope>(HttpMethod.Post, "v2.0/floatingips", new JsonObject { ["floatingip"] = body }, cancellationToken)).Floatingip;
    }

    /// <summary>Associates a floating IP with a port.</summary>
    public async Task<FloatingIp> AssociateFloatingIpAsync(string id, string portId, CancellationToken cancellationToken = default) =>
        (await SendAsync<FloatingIpEnvelope>(HttpMethod.Put, $"v2.0/floatingips/{Segment(id)}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = portId } }, cancellationToken)).Floatingip;

    /// <summary>Disassociates a floating IP from its port.</summary>
    public async Task<FloatingIp> DisassociateFloatingIpAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<FloatingIpEnvelope>(HttpMethod.Put, $"v2.0/floatingips/{Segment(id)}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } }, cancellationToken)).Floatingip;

    /// <summary>Releases a floating IP; returns false when it did not exist.</summary>
    public async Task<bool> DeleteFloatingIpAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"v2.0/floatingips/{Segment(id)}", null, cancellationToken);
            return true;
        }
        catch (OpenStackNotFoundException)
        {
            return false;
        }
    }

    private sealed record NetworksEnvelope(List<Responses.Network> Networks);

    private sealed record NetworkEnvelope(Responses.Network Network);

    private sealed record PortsEnvelope(List<Port> Ports);

    private sealed record FloatingIpsEnvelope(List<FloatingIp> Floatingips);

    private sealed record FloatingIpEnvelope(FloatingIp Floatingip);

    private sealed record QuotaDetailsEnvelope(QuotaDetails Quota);

    private sealed record IpAvailabilityEnvelope(NetworkIpAvailability NetworkIpAvailability);

    private sealed record QuotaDetails(QuotaDetail Floatingip);
}
