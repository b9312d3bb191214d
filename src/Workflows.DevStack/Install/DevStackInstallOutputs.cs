using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Install;

/// <summary>The outputs of <c>devstack.install</c>.</summary>
public sealed class DevStackInstallOutputs
{
    /// <summary>Gets or sets the Keystone URL of the new cloud.</summary>
    public required string KeystoneUrl { get; set; }

    /// <summary>Gets or sets the region.</summary>
    public string? Region { get; set; }

    /// <summary>Gets or sets the admin user (<c>admin</c>); null for the sandbox, whose credentials stay in its configuration.</summary>
    public string? AdminUser { get; set; }

    /// <summary>Gets or sets the admin password; null for the sandbox.</summary>
    public Secret? AdminPassword { get; set; }

    /// <summary>Gets or sets the cloud name later steps use in <c>cloud:</c>.</summary>
    public required string CloudName { get; set; }

    /// <summary>Gets or sets the host key fingerprint that was verified (or trusted on first use).</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Gets or sets where stack.sh's log is on the host.</summary>
    public string? LogPath { get; set; }

    /// <summary>Gets or sets whether the cloud was registered in the server's cloud catalog.</summary>
    public bool Registered { get; set; }

    /// <summary>Gets or sets whether this was the SANDBOX simulation (nothing installed anywhere).</summary>
    public bool Simulated { get; set; }
}
