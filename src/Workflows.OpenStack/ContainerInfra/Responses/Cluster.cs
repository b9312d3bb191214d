namespace Workflows.OpenStack.ContainerInfra.Responses;

/// <summary>A Magnum cluster.</summary>
public sealed class Cluster
{
    /// <summary>Gets the uuid.</summary>
    public string Uuid { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the status, e.g. CREATE_IN_PROGRESS, CREATE_COMPLETE, CREATE_FAILED.</summary>
    public string Status { get; init; } = string.Empty;

    /// <summary>Gets the reason of the status (Heat's message on failure).</summary>
    public string? StatusReason { get; init; }

    /// <summary>Gets the template id.</summary>
    public string? ClusterTemplateId { get; init; }

    /// <summary>Gets the API address: <c>tcp://ip:2376</c> for Swarm, <c>https://ip:6443</c> for Kubernetes.</summary>
    public string? ApiAddress { get; init; }

    /// <summary>Gets the master count.</summary>
    public int MasterCount { get; init; }

    /// <summary>Gets the node count.</summary>
    public int NodeCount { get; init; }

    /// <summary>Gets the master addresses.</summary>
    public List<string>? MasterAddresses { get; init; }

    /// <summary>Gets the node addresses.</summary>
    public List<string>? NodeAddresses { get; init; }

    /// <summary>Gets the labels.</summary>
    public Dictionary<string, string>? Labels { get; init; }

    /// <summary>Gets the key pair.</summary>
    public string? Keypair { get; init; }

    /// <summary>Gets the Docker volume size in GB.</summary>
    public int? DockerVolumeSize { get; init; }

    /// <summary>Gets the Heat stack id.</summary>
    public string? StackId { get; init; }
}

/// <summary>A Magnum cluster template.</summary>
public sealed class ClusterTemplate
{
    /// <summary>Gets the uuid.</summary>
    public string Uuid { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the COE: kubernetes, swarm, swarm-mode.</summary>
    public string Coe { get; init; } = string.Empty;

    /// <summary>Gets the image id.</summary>
    public string? ImageId { get; init; }

    /// <summary>Gets the external network id.</summary>
    public string? ExternalNetworkId { get; init; }

    /// <summary>Gets the flavor id.</summary>
    public string? FlavorId { get; init; }

    /// <summary>Gets the master flavor id.</summary>
    public string? MasterFlavorId { get; init; }

    /// <summary>Gets the Docker volume size in GB.</summary>
    public int? DockerVolumeSize { get; init; }

    /// <summary>Gets whether TLS is disabled.</summary>
    public bool TlsDisabled { get; init; }
}

/// <summary>A certificate answer (<c>GET /certificates/{cluster}</c> or <c>POST /certificates</c>).</summary>
public sealed class Certificate
{
    /// <summary>Gets the cluster uuid.</summary>
    public string ClusterUuid { get; init; } = string.Empty;

    /// <summary>Gets the PEM certificate.</summary>
    public string Pem { get; init; } = string.Empty;
}
