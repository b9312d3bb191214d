using System.Diagnostics;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Ssh;

/// <summary>An SSH.NET client wrapped for step actions: every command is audited (label, exit code, duration).</summary>
internal sealed class SshSession(SshClient client, SshTarget target, string hostKeyFingerprint, IStepAudit audit, TimeProvider clock) : ISshSession
{
    public string HostKeyFingerprint => hostKeyFingerprint;

    public async Task<SshCommandResult> RunAsync(string label, string commandText, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var started = clock.GetTimestamp();
        using var span = SshTelemetry.StartCommand(label, target);
        using var command = client.CreateCommand(commandText, Encoding.UTF8);
        try
        {
            var execution = command.ExecuteAsync(timeoutSource.Token);
            using (var input = command.CreateInputStream())
            {
                if (standardInput is not null)
                {
                    await input.WriteAsync(Encoding.UTF8.GetBytes(standardInput), timeoutSource.Token);
                }
            }

            await execution;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            audit.RecordCall(new ExternalCall("ssh", label, target.Endpoint, null, clock.GetElapsedTime(started), Error: "timeout"));
            span?.SetStatus(ActivityStatusCode.Error, "timeout");
            throw new StepFailedException("ssh.timeout", $"The remote command '{label}' on {target.Endpoint} did not finish within {timeout}.", retryable: true);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
            audit.RecordCall(new ExternalCall("ssh", label, target.Endpoint, null, clock.GetElapsedTime(started), Error: ex.GetType().Name));
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw new StepFailedException("ssh.unreachable", $"The connection to {target.Endpoint} broke during '{label}': {ex.Message}", retryable: true, ex);
        }

        var exitCode = command.ExitStatus ?? -1;
        span?.SetTag("ssh.exit_code", exitCode);
        audit.RecordCall(new ExternalCall("ssh", label, target.Endpoint, exitCode, clock.GetElapsedTime(started)));
        return new SshCommandResult(exitCode, command.Result, command.Error);
    }

    public void Dispose()
    {
        try
        {
            if (client.IsConnected)
            {
                client.Disconnect();
            }
        }
        catch (SshException)
        {
            // The session is being dropped anyway.
        }

        client.Dispose();
    }
}
