namespace Workflows.OpenStack.Compute.Requests;

/// <summary>A server to create (<c>POST /servers</c>).</summary>
public sealed class CreateServerRequest
{
    /// <summary>Gets or sets the name.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets the image id.</summary>
    public required string ImageId { get; set; }

    /// <summary>Gets or sets the flavor id.</summary>
    public required string FlavorId { get; set; }

    /// <summary>Gets or sets the network ids to attach, in order.</summary>
    public List<string> NetworkIds { get; set; } = [];

    /// <summary>Gets or sets the key pair name.</summary>
    public string? KeyName { get; set; }

    /// <summary>Gets or sets the user data as plain text (the client base64-encodes it).</summary>
    public string? UserData { get; set; }

    /// <summary>Gets or sets the metadata.</summary>
    public Dictionary<string, string> Metadata { get; set; } = [];

    /// <summary>Gets or sets the tags (needs microversion 2.52+).</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Gets or sets the security group names.</summary>
    public List<string>? SecurityGroups { get; set; }

    /// <summary>Gets or sets the availability zone.</summary>
    public string? AvailabilityZone { get; set; }
}
