using System.Security.Cryptography.X509Certificates;

namespace Workflows.OpenStack.Sandbox.State;

// The password is never saved with the state: restored users take the configured one.
internal sealed record SandboxUser(string Id, string Name, [property: System.Text.Json.Serialization.JsonIgnore] string Password, string DefaultProjectId);

internal sealed record SandboxProject(string Id, string Name);

internal sealed record SandboxToken(string Id, string UserId, string ProjectId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Method, string? ApplicationCredentialId);

internal sealed record SandboxApplicationCredential(string Id, string Name, string Secret, string UserId, string ProjectId, string? Description);

internal sealed record SandboxImage(string Id, string Name, string DiskFormat, long Size, string? OsDistro, DateTimeOffset CreatedAt);

internal sealed record SandboxFlavor(string Id, string Name, int Ram, int Disk, int Vcpus);

internal sealed record SandboxKeypair(string Name, string PublicKey, string Fingerprint, string UserId, DateTimeOffset CreatedAt);

internal sealed class SandboxNetwork
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required bool External { get; init; }

    public required string SubnetId { get; init; }

    public required string SubnetName { get; init; }

    public required string CidrPrefix { get; init; }

    public required int PrefixLength { get; init; }

    public required string ProjectId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public int NextHost { get; set; } = 10;

    public string Cidr => $"{CidrPrefix}0/{PrefixLength}";

    public string Gateway => $"{CidrPrefix}1";

    public string AllocateAddress() => $"{CidrPrefix}{NextHost++}";
}

internal sealed class SandboxRouter
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string ExternalNetworkId { get; init; }

    public required string ProjectId { get; init; }

    public required List<string> SubnetIds { get; init; }
}

internal sealed class SandboxPort
{
    public required string Id { get; init; }

    public required string NetworkId { get; init; }

    public required string SubnetId { get; init; }

    public required string MacAddress { get; init; }

    public required string IpAddress { get; init; }

    public required string DeviceId { get; init; }

    public required string DeviceOwner { get; init; }

    public required string ProjectId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

internal sealed class SandboxServer
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string ImageId { get; init; }

    public required string FlavorId { get; init; }

    public string? KeyName { get; init; }

    public string? UserData { get; init; }

    public required Dictionary<string, string> Metadata { get; init; }

    public required List<string> Tags { get; init; }

    public required List<string> PortIds { get; init; }

    public required string ProjectId { get; init; }

    public required string UserId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required bool WillFail { get; init; }

    public string? AdminPass { get; init; }

    public DateTimeOffset? DeleteRequestedAt { get; set; }
}

internal sealed class SandboxFloatingIp
{
    public required string Id { get; init; }

    public required string Address { get; init; }

    public required string NetworkId { get; init; }

    public required string ProjectId { get; init; }

    public required string RouterId { get; init; }

    public string Description { get; set; } = string.Empty;

    public string? PortId { get; set; }

    public string? FixedIpAddress { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public int Revision { get; set; }
}

internal sealed class SandboxClusterTemplate
{
    public required string Uuid { get; init; }

    public required string Name { get; init; }

    public required string Coe { get; init; }

    public required string ImageId { get; init; }

    public string? ClusterDistro { get; init; }

    public string? KeypairId { get; init; }

    public string? ExternalNetworkId { get; init; }

    public string? FixedNetwork { get; init; }

    public string? FlavorId { get; init; }

    public string? MasterFlavorId { get; init; }

    public int? DockerVolumeSize { get; init; }

    public string? NetworkDriver { get; init; }

    public string? VolumeDriver { get; init; }

    public string ServerType { get; init; } = "vm";

    public bool Public { get; init; }

    public bool TlsDisabled { get; init; }

    public bool FloatingIpEnabled { get; init; } = true;

    public bool MasterLbEnabled { get; init; }

    public string? DnsNameserver { get; init; }

    public string? DockerStorageDriver { get; init; }

    public required Dictionary<string, string> Labels { get; init; }

    public required string ProjectId { get; init; }

    public required string UserId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

internal sealed class SandboxCluster
{
    public required string Uuid { get; init; }

    public required string Name { get; init; }

    public required string TemplateId { get; init; }

    public string? Keypair { get; init; }

    public required int MasterCount { get; init; }

    public int NodeCount { get; set; }

    public int? DockerVolumeSize { get; init; }

    public string? FlavorId { get; init; }

    public string? MasterFlavorId { get; init; }

    public required Dictionary<string, string> Labels { get; init; }

    public int CreateTimeout { get; init; } = 60;

    public required string StackId { get; init; }

    public required string ProjectId { get; init; }

    public required string UserId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public required bool WillFail { get; init; }

    /// <summary>Gets why Magnum's conductor failed the create at once (e.g. no block-storage endpoint for a docker volume), or null.</summary>
    public string? FailureReason { get; init; }

    public DateTimeOffset? DeleteRequestedAt { get; set; }

    public DateTimeOffset? UpdateRequestedAt { get; set; }

    public required List<string> MasterAddresses { get; init; }

    public required List<string> NodeAddresses { get; init; }

    public required X509Certificate2 Ca { get; init; }
}
