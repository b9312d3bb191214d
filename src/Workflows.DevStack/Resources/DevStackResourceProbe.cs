using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.DevStack.Remote;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Resources;

/// <summary>
/// Looks a <c>devstack.install</c> up over SSH with the server's key (read only): gone when the stack user no longer exists
/// or the devstack folder holds no unstack.sh (the Delete removes the checkout); present otherwise. A host that cannot be
/// reached, a login refused, or a user without passwordless sudo throws, and the row stays as it is.
/// </summary>
public sealed class DevStackResourceProbe(ISshConnector ssh, IOptions<DevStackOptions> options) : IResourceProbe
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Kinds { get; } = [DevStackInstallDeleter.Kind];

    /// <inheritdoc />
    public async Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default)
    {
        var at = DevStackInstallDeleter.Read(resource);
        var key = ServerKey.Load(options.Value)
            ?? throw new InvalidOperationException($"No SSH key to reach {at.Host}: set DevStack:PrivateKeyFile (the ledger holds no credentials).");
        using var session = await ssh.ConnectAsync(new SshTarget(at.Host, at.Port, at.User, key, null, null, at.HostKeyFingerprint), new NoAudit(), cancellationToken);
        var probe = await session.RunAsync("probe-install", Shell.BashScript(null, at.StackUser, at.DevstackDir), RemoteScripts.ProbeInstall, options.Value.CommandTimeout, cancellationToken);
        return (probe.ExitCode, probe.Values().GetValueOrDefault("installed")) switch
        {
            (0, "yes") => ResourcePresence.Present,
            (0, "no") => ResourcePresence.Gone,
            _ => throw new InvalidOperationException($"Could not look for devstack in {at.DevstackDir} on {at.Host} as {at.User} (exit code {probe.ExitCode}; it needs sudo without a password)."),
        };
    }

    // A check is not a step: its calls go to the server's log through the check, not to a run's audit.
    private sealed class NoAudit : IStepAudit
    {
        public void RecordCall(ExternalCall call)
        {
        }

        public void Record(string kind, string message)
        {
        }
    }
}
