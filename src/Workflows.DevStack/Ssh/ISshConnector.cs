using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Ssh;

/// <summary>Opens SSH sessions, verifying the host key and mapping connection failures to step failures.</summary>
public interface ISshConnector
{
    /// <summary>Connects and authenticates.</summary>
    /// <param name="target">Where and as whom.</param>
    /// <param name="audit">Receives the connect call and, on first use, the trusted host key.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>An open session; dispose it.</returns>
    /// <exception cref="StepFailedException">
    /// <c>ssh.auth_failed</c>, <c>ssh.hostkey_mismatch</c>, <c>ssh.key_invalid</c> (not retryable) or
    /// <c>ssh.unreachable</c> (retryable).
    /// </exception>
    Task<ISshSession> ConnectAsync(SshTarget target, IStepAudit audit, CancellationToken cancellationToken = default);
}

/// <summary>An authenticated SSH connection that runs commands.</summary>
public interface ISshSession : IDisposable
{
    /// <summary>Gets the fingerprint (<c>SHA256:…</c>) of the host key the server presented.</summary>
    string HostKeyFingerprint { get; }

    /// <summary>Runs <paramref name="commandText"/> and waits for it, feeding <paramref name="standardInput"/> when given.</summary>
    /// <param name="label">A short name of the call for the audit (never the command text, which may be long).</param>
    /// <param name="commandText">The command line the remote shell runs. Never put secrets here; pass them through stdin.</param>
    /// <param name="standardInput">Text written to the command's stdin, then closed.</param>
    /// <param name="timeout">How long the command may take.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <exception cref="StepFailedException"><c>ssh.timeout</c> or <c>ssh.unreachable</c> (retryable).</exception>
    Task<SshCommandResult> RunAsync(string label, string commandText, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken = default);
}
