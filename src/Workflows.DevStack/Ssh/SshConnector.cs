using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Renci.SshNet;
using Renci.SshNet.Common;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Ssh;

/// <summary>Opens SSH.NET sessions with a pinned or trusted-on-first-use host key.</summary>
/// <param name="options">Connect timeout.</param>
/// <param name="clock">Measures call durations for the audit.</param>
public sealed class SshConnector(IOptions<DevStackOptions> options, TimeProvider clock) : ISshConnector
{
    /// <inheritdoc />
    public async Task<ISshSession> ConnectAsync(SshTarget target, IStepAudit audit, CancellationToken cancellationToken = default)
    {
        var methods = new List<AuthenticationMethod>();
        if (target.PrivateKey is { } key)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(target.User, LoadKey(target, key.Reveal())));
        }

        if (target.Password is { } password)
        {
            methods.Add(new PasswordAuthenticationMethod(target.User, password.Reveal()));
        }

        if (methods.Count == 0)
        {
            throw new StepFailedException("inputs.invalid", "Give privateKey or password to log in to the host.", retryable: false);
        }

        var info = new ConnectionInfo(target.Host, target.Port, target.User, [.. methods])
        {
            Timeout = options.Value.ConnectTimeout,
        };
        var pinned = HostKeyFingerprint.Normalize(target.HostKeyFingerprint);
        string? presented = null;
        var client = new SshClient(info);
        client.HostKeyReceived += (_, e) =>
        {
            presented = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = pinned is null || HostKeyFingerprint.Matches(pinned, presented);
        };

        var started = clock.GetTimestamp();
        try
        {
            await client.ConnectAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            client.Dispose();
            var failure = Classify(target, ex, pinned, presented);
            audit.RecordCall(new ExternalCall("ssh", "connect", target.Endpoint, null, clock.GetElapsedTime(started), Error: failure.ErrorCode));
            throw failure;
        }
        catch
        {
            client.Dispose();
            throw;
        }

        audit.RecordCall(new ExternalCall("ssh", "connect", target.Endpoint, 0, clock.GetElapsedTime(started)));
        if (pinned is null)
        {
            audit.Record("ssh.hostkey.trusted", $"Trusted the host key {presented} of {target.Host}:{target.Port} on first use (no fingerprint was pinned).");
        }

        return new SshSession(client, target, presented!, audit, clock);
    }

    private static PrivateKeyFile LoadKey(SshTarget target, string keyText)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(keyText.Trim() + "\n"));
            return target.PrivateKeyPassphrase is { } passphrase ? new PrivateKeyFile(stream, passphrase.Reveal()) : new PrivateKeyFile(stream);
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // The library's message names the problem ("Invalid private key file.", a missing passphrase), never the key.
            throw new StepFailedException("ssh.key_invalid", $"The private key for {target.Endpoint} cannot be read: {ex.GetType().Name}: {ex.Message}", retryable: false);
        }
    }

    private static StepFailedException Classify(SshTarget target, Exception ex, string? pinned, string? presented)
    {
        if (pinned is not null && presented is not null && !HostKeyFingerprint.Matches(pinned, presented))
        {
            return new StepFailedException(
                "ssh.hostkey_mismatch",
                $"Refused {target.Host}:{target.Port}: its host key is {presented} but {pinned} was pinned. If the host was rebuilt on purpose, pin the new fingerprint; otherwise someone may be intercepting the connection.",
                retryable: false);
        }

        return ex switch
        {
            SshAuthenticationException => new StepFailedException(
                "ssh.auth_failed",
                $"SSH authentication as '{target.User}' on {target.Host}:{target.Port} failed: {ex.Message} Check the user and that the key (or password) is authorized on the host.",
                retryable: false),
            SocketException or SshOperationTimeoutException or SshConnectionException or ProxyException or TimeoutException or IOException => new StepFailedException(
                "ssh.unreachable",
                $"Cannot connect to {target.Endpoint}: {ex.Message}",
                retryable: true,
                ex),
            _ => new StepFailedException("ssh.error", $"SSH to {target.Endpoint} failed: {ex.GetType().Name}: {ex.Message}", retryable: true, ex),
        };
    }
}
