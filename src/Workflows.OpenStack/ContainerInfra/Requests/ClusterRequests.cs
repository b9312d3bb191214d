namespace Workflows.OpenStack.ContainerInfra.Requests;

/// <summary>A cluster template to create (<c>POST /v1/clustertemplates</c>).</summary>
public sealed class CreateClusterTemplateRequest
{
    /// <summary>Gets or sets the name.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets the COE: kubernetes, swarm, swarm-mode.</summary>
    public required string Coe { get; set; }

    /// <summary>Gets or sets the image (name or id; it needs the <c>os_distro</c> property).</summary>
    public required string ImageId { get; set; }

    /// <summary>Gets or sets the external network (name or id).</summary>
    public string? ExternalNetworkId { get; set; }

    /// <summary>Gets or sets the node flavor.</summary>
    public string? FlavorId { get; set; }

    /// <summary>Gets or sets the master flavor.</summary>
    public string? MasterFlavorId { get; set; }

    /// <summary>Gets or sets the Docker volume size in GB.</summary>
    public int? DockerVolumeSize { get; set; }

    /// <summary>Gets or sets the network driver.</summary>
    public string? NetworkDriver { get; set; }

    /// <summary>Gets or sets the key pair.</summary>
    public string? KeypairId { get; set; }

    /// <summary>Gets or sets the DNS nameserver.</summary>
    public string? DnsNameserver { get; set; }

    /// <summary>Gets or sets whether TLS is disabled.</summary>
    public bool? TlsDisabled { get; set; }

    /// <summary>Gets or sets the labels.</summary>
    public Dictionary<string, string>? Labels { get; set; }
}

/// <summary>A cluster to create (<c>POST /v1/clusters</c>).</summary>
public sealed class CreateClusterRequest
{
    /// <summary>Gets or sets the name.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets the template (name or uuid).</summary>
    public required string ClusterTemplateId { get; set; }

    /// <summary>Gets or sets the master count.</summary>
    public int MasterCount { get; set; } = 1;

    /// <summary>Gets or sets the node count.</summary>
    public int NodeCount { get; set; } = 1;

    /// <summary>Gets or sets the Docker volume size in GB (overrides the template).</summary>
    public int? DockerVolumeSize { get; set; }

    /// <summary>Gets or sets the key pair.</summary>
    public string? Keypair { get; set; }

    /// <summary>Gets or sets the create timeout in minutes.</summary>
    public int? CreateTimeout { get; set; }

    /// <summary>Gets or sets the labels.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Gets or sets whether labels merge with the template's (microversion 1.10+).</summary>
    public bool? MergeLabels { get; set; }
}
