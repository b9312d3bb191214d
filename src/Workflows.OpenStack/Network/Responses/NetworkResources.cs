using System.Text.Json.Serialization;

namespace Workflows.OpenStack.Network.Responses;

/// <summary>A Neutron network.</summary>
public sealed class Network
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the status.</summary>
    public string? Status { get; init; }

    /// <summary>Gets whether it is external (floating IPs come from it).</summary>
    [JsonPropertyName("router:external")]
    public bool External { get; init; }

    /// <summary>Gets the subnet ids.</summary>
    public List<string> Subnets { get; init; } = [];
}

/// <summary>A Neutron port.</summary>
public sealed class Port
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the network id.</summary>
    public string NetworkId { get; init; } = string.Empty;

    /// <summary>Gets the device id (a server id for <c>compute:*</c> owners).</summary>
    public string DeviceId { get; init; } = string.Empty;

    /// <summary>Gets the device owner.</summary>
    public string? DeviceOwner { get; init; }

    /// <summary>Gets the MAC address.</summary>
    public string? MacAddress { get; init; }

    /// <summary>Gets the status.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the fixed IPs.</summary>
    public List<FixedIp> FixedIps { get; init; } = [];
}

/// <summary>A fixed IP of a port.</summary>
public sealed class FixedIp
{
    /// <summary>Gets the subnet id.</summary>
    public string SubnetId { get; init; } = string.Empty;

    /// <summary>Gets the address.</summary>
    public string IpAddress { get; init; } = string.Empty;
}

/// <summary>A Neutron floating IP.</summary>
public sealed class FloatingIp
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the address.</summary>
    public string FloatingIpAddress { get; init; } = string.Empty;

    /// <summary>Gets the external network id.</summary>
    public string FloatingNetworkId { get; init; } = string.Empty;

    /// <summary>Gets the associated port, if any.</summary>
    public string? PortId { get; init; }

    /// <summary>Gets the associated fixed IP, if any.</summary>
    public string? FixedIpAddress { get; init; }

    /// <summary>Gets the router id.</summary>
    public string? RouterId { get; init; }

    /// <summary>Gets the status (ACTIVE, DOWN).</summary>
    public string? Status { get; init; }

    /// <summary>Gets the description.</summary>
    public string? Description { get; init; }
}

/// <summary>A Neutron quota with its usage (quota-details extension). A limit of -1 means unlimited.</summary>
public sealed class QuotaDetail
{
    /// <summary>Gets the limit.</summary>
    public int Limit { get; init; } = -1;

    /// <summary>Gets how many are in use.</summary>
    public int Used { get; init; }

    /// <summary>Gets how many are reserved.</summary>
    public int Reserved { get; init; }
}

/// <summary>How many addresses a network's subnets hold and use (the <c>network-ip-availability</c> extension).</summary>
public sealed class NetworkIpAvailability
{
    /// <summary>Gets the network id.</summary>
    public string NetworkId { get; init; } = string.Empty;

    /// <summary>Gets the network name.</summary>
    public string? NetworkName { get; init; }

    /// <summary>Gets the number of addresses in the allocation pools of all its subnets.</summary>
    public decimal TotalIps { get; init; }

    /// <summary>Gets the number of those addresses in use.</summary>
    public decimal UsedIps { get; init; }

    /// <summary>Gets the same per subnet.</summary>
    public List<SubnetIpAvailability> SubnetIpAvailability { get; init; } = [];
}

/// <summary>How many addresses one subnet holds and uses.</summary>
public sealed class SubnetIpAvailability
{
    /// <summary>Gets the subnet id.</summary>
    public string SubnetId { get; init; } = string.Empty;

    /// <summary>Gets the subnet name.</summary>
    public string? SubnetName { get; init; }

    /// <summary>Gets the CIDR.</summary>
    public string? Cidr { get; init; }

    /// <summary>Gets the IP version (4 or 6).</summary>
    public int IpVersion { get; init; }

    /// <summary>Gets the number of addresses in its allocation pools (IPv6 subnets hold more than a long counts).</summary>
    public decimal TotalIps { get; init; }

    /// <summary>Gets the number of those in use.</summary>
    public decimal UsedIps { get; init; }
}
