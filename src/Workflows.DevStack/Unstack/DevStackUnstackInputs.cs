using System.Text.Json.Serialization;
using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Unstack;

/// <summary>The <c>with:</c> inputs of <c>devstack.unstack</c>; the connection and paths match <c>devstack.install</c>'s.</summary>
public sealed class DevStackUnstackInputs
{
    /// <summary>Gets or sets the host, or <c>sandbox</c> (nothing to undo).</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Gets or sets the SSH port. Default is 22.</summary>
    public int Port { get; set; } = 22;

    /// <summary>Gets or sets the SSH login user. Default is <c>ubuntu</c>.</summary>
    public string User { get; set; } = "ubuntu";

    /// <summary>Gets or sets the SSH private key. Default is none: with no password either, the server's key (<see cref="DevStackOptions.PrivateKeyFile"/>).</summary>
    public Secret? PrivateKey { get; set; }

    /// <summary>Gets or sets the private key's passphrase, if any.</summary>
    public Secret? PrivateKeyPassphrase { get; set; }

    /// <summary>Gets or sets the SSH password, for password authentication.</summary>
    public Secret? Password { get; set; }

    /// <summary>Gets or sets the pinned host key fingerprint (<c>SHA256:…</c>); trusted on first use when absent.</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Gets or sets the user that ran stack.sh. Default is <c>stack</c>.</summary>
    public string StackUser { get; set; } = "stack";

    /// <summary>Gets or sets the stack user's home. Default is <c>/opt/stack</c>.</summary>
    public string StackHome { get; set; } = "/opt/stack";

    /// <summary>Gets or sets the devstack folder. Default is <c>{stackHome}/devstack</c>.</summary>
    public string? DevstackDir { get; set; }

    /// <summary>Gets or sets whether to run ./clean.sh after ./unstack.sh (removes packages' data, logs, databases). Default is false.</summary>
    [JsonConverter(typeof(FlagConverter))]
    public bool Clean { get; set; }

    /// <summary>
    /// Gets or sets whether to remove the devstack checkout after ./unstack.sh and ./clean.sh succeed, so nothing of the
    /// install is left (what the Resources page's Delete of a <c>devstack.install</c> does). Default is false.
    /// </summary>
    [JsonConverter(typeof(FlagConverter))]
    public bool RemoveCheckout { get; set; }

    /// <summary>Treats empty optional inputs as absent.</summary>
    internal void Normalize()
    {
        HostKeyFingerprint = string.IsNullOrWhiteSpace(HostKeyFingerprint) ? null : HostKeyFingerprint.Trim();
        DevstackDir = string.IsNullOrWhiteSpace(DevstackDir) ? null : DevstackDir.Trim();
        PrivateKey = Blank(PrivateKey);
        PrivateKeyPassphrase = Blank(PrivateKeyPassphrase);
        Password = Blank(Password);
    }

    /// <summary>Gets the devstack folder.</summary>
    internal string DevstackFolder => string.IsNullOrWhiteSpace(DevstackDir) ? StackHome.TrimEnd('/') + "/devstack" : DevstackDir.TrimEnd('/');

    private static Secret? Blank(Secret? value) => value is null || string.IsNullOrWhiteSpace(value.Reveal()) ? null : value;
}

/// <summary>The outputs of <c>devstack.unstack</c>.</summary>
public sealed class DevStackUnstackOutputs
{
    /// <summary>Gets or sets whether ./unstack.sh ran (false when there was nothing to undo).</summary>
    public bool Unstacked { get; set; }

    /// <summary>Gets or sets whether ./clean.sh ran too.</summary>
    public bool Cleaned { get; set; }

    /// <summary>Gets or sets whether the devstack checkout was removed too.</summary>
    public bool CheckoutRemoved { get; set; }

    /// <summary>Gets or sets whether a still-running stack.sh of the compensated step was stopped first.</summary>
    public bool StoppedRunningStack { get; set; }

    /// <summary>Gets or sets whether this was the SANDBOX simulation.</summary>
    public bool Simulated { get; set; }
}
