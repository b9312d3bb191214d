using System.Text.Json.Serialization;

namespace Workflows.OpenStack.Compute.Responses;

/// <summary>Nova's absolute limits of the project (<c>GET /limits</c>): quota and usage. A quota of -1 means unlimited.</summary>
public sealed class AbsoluteLimits
{
    /// <summary>Gets the instance quota.</summary>
    [JsonPropertyName("maxTotalInstances")]
    public int MaxTotalInstances { get; init; } = -1;

    /// <summary>Gets the instances in use.</summary>
    [JsonPropertyName("totalInstancesUsed")]
    public int TotalInstancesUsed { get; init; }

    /// <summary>Gets the vCPU quota.</summary>
    [JsonPropertyName("maxTotalCores")]
    public int MaxTotalCores { get; init; } = -1;

    /// <summary>Gets the vCPUs in use.</summary>
    [JsonPropertyName("totalCoresUsed")]
    public int TotalCoresUsed { get; init; }

    /// <summary>Gets the RAM quota in MiB.</summary>
    [JsonPropertyName("maxTotalRAMSize")]
    public int MaxTotalRamSize { get; init; } = -1;

    /// <summary>Gets the RAM in use in MiB.</summary>
    [JsonPropertyName("totalRAMUsed")]
    public int TotalRamUsed { get; init; }
}
