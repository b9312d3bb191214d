namespace Workflows.OpenStack.Image.Responses;

/// <summary>A Glance v2 image.</summary>
public sealed class Image
{
    /// <summary>Gets the id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets the name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the status, e.g. <c>active</c>.</summary>
    public string Status { get; init; } = string.Empty;

    /// <summary>Gets the disk format.</summary>
    public string? DiskFormat { get; init; }

    /// <summary>Gets the size in bytes.</summary>
    public long? Size { get; init; }

    /// <summary>Gets the visibility.</summary>
    public string? Visibility { get; init; }

    /// <summary>Gets the <c>os_distro</c> property (Magnum needs it).</summary>
    public string? OsDistro { get; init; }
}
