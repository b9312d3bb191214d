using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Ssh;

/// <summary>Where and as whom to connect. <see cref="ToString"/> never shows the credentials.</summary>
/// <param name="Host">The host name or address.</param>
/// <param name="Port">The SSH port.</param>
/// <param name="User">The login user.</param>
/// <param name="PrivateKey">The private key (OpenSSH, PEM or PuTTY format), when key authentication is used.</param>
/// <param name="PrivateKeyPassphrase">The key's passphrase, when it has one.</param>
/// <param name="Password">The password, when password authentication is used.</param>
/// <param name="HostKeyFingerprint">The pinned host key fingerprint (<c>SHA256:…</c>); null trusts on first use.</param>
public sealed record SshTarget(
    string Host,
    int Port,
    string User,
    Secret? PrivateKey,
    Secret? PrivateKeyPassphrase,
    Secret? Password,
    string? HostKeyFingerprint)
{
    /// <summary>Gets the target as <c>ssh://user@host:port</c>, for logs and the audit.</summary>
    public string Endpoint => $"ssh://{User}@{Host}:{Port}";

    /// <inheritdoc />
    public override string ToString() => Endpoint;
}
