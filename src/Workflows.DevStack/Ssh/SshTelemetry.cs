using System.Diagnostics;

namespace Workflows.DevStack.Ssh;

/// <summary>
/// Spans of remote commands: one per command, a child of the step's span (the ambient activity).
/// Plain <see cref="System.Diagnostics"/>: the host decides whether anything listens and where spans go.
/// </summary>
public static class SshTelemetry
{
    /// <summary>The name of the activity source of SSH commands.</summary>
    public const string ActivitySourceName = "Workflows.DevStack";

    internal static ActivitySource Source { get; } = new(ActivitySourceName);

    /// <summary>Starts the span of one command. Only its label and the target go in: a command's text or input may carry a secret.</summary>
    internal static Activity? StartCommand(string label, SshTarget target) =>
        Source.HasListeners()
            ? Source.StartActivity(
                ActivityKind.Client,
                parentContext: default,
                [new("rpc.system", "ssh"), new("ssh.command", label), new("server.address", target.Host), new("server.port", target.Port), new("user.name", target.User)],
                name: $"ssh {label}")
            : null;
}
