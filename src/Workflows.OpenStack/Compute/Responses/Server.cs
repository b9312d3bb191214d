using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.OpenStack.Compute.Responses;

/// <summary>A Nova server (<c>GET /servers/{id}</c>).</summary>
public sealed class Server
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the status: BUILD, ACTIVE, ERROR, SHUTOFF, DELETED….</summary>
    public string Status { get; init; } = string.Empty;

    /// <summary>Gets the build progress (0–100), when reported.</summary>
    public int? Progress { get; init; }

    /// <summary>Gets the metadata.</summary>
    public Dictionary<string, string> Metadata { get; init; } = [];

    /// <summary>Gets the tags (microversion 2.26+).</summary>
    public List<string>? Tags { get; init; }

    /// <summary>Gets the addresses by network name.</summary>
    public Dictionary<string, List<ServerAddress>> Addresses { get; init; } = [];

    /// <summary>Gets the key pair name.</summary>
    public string? KeyName { get; init; }

    /// <summary>Gets the image reference (an object, or an empty string for boot from volume).</summary>
    public JsonElement? Image { get; init; }

    /// <summary>Gets the fault, when the server is in ERROR.</summary>
    public ServerFault? Fault { get; init; }

    /// <summary>Gets the task state, e.g. <c>spawning</c>, <c>deleting</c>.</summary>
    [JsonPropertyName("OS-EXT-STS:task_state")]
    public string? TaskState { get; init; }

    /// <summary>Gets the VM state.</summary>
    [JsonPropertyName("OS-EXT-STS:vm_state")]
    public string? VmState { get; init; }

    /// <summary>Gets the project id.</summary>
    [JsonPropertyName("tenant_id")]
    public string? TenantId { get; init; }

    /// <summary>Gets when it was created.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>Returns the first fixed IPv4 address.</summary>
    public string? FixedIp => Addresses.Values.SelectMany(a => a).FirstOrDefault(a => a.Type == "fixed" && a.Version == 4)?.Addr;
}

/// <summary>One address of a server.</summary>
public sealed class ServerAddress
{
    /// <summary>Gets the address.</summary>
    public string Addr { get; init; } = string.Empty;

    /// <summary>Gets the IP version.</summary>
    public int Version { get; init; }

    /// <summary>Gets <c>fixed</c> or <c>floating</c>.</summary>
    [JsonPropertyName("OS-EXT-IPS:type")]
    public string? Type { get; init; }

    /// <summary>Gets the MAC address.</summary>
    [JsonPropertyName("OS-EXT-IPS-MAC:mac_addr")]
    public string? MacAddress { get; init; }
}

/// <summary>The fault of a server in ERROR.</summary>
public sealed class ServerFault
{
    /// <summary>Gets the code.</summary>
    public int Code { get; init; }

    /// <summary>Gets the message, e.g. "No valid host was found…".</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>Gets the details (admins only).</summary>
    public string? Details { get; init; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset? Created { get; init; }
}

/// <summary>The answer to a create: the id and the generated admin password.</summary>
public sealed class CreatedServer
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the admin password Nova generated, if any. Never logged.</summary>
    [JsonPropertyName("adminPass")]
    public Abstractions.Secrets.Secret? AdminPass { get; init; }
}

/// <summary>A flavor.</summary>
public sealed class Flavor
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the RAM in MiB.</summary>
    public int Ram { get; init; }

    /// <summary>Gets the disk in GiB.</summary>
    public int Disk { get; init; }

    /// <summary>Gets the vCPU count.</summary>
    public int Vcpus { get; init; }
}
