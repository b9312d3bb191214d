namespace Workflows.Abstractions.Definitions;

/// <summary>
/// The events a notification rule can name, in configuration (<c>Workflows:Notifications:Rules</c>) and in a
/// definition's <c>notify:</c> block. The names are the same everywhere: in rules, payloads and the audit.
/// </summary>
public static class NotificationEvents
{
    /// <summary>A run failed for good (after its compensation, if any).</summary>
    public const string RunFailed = "run.failed";

    /// <summary>A run succeeded.</summary>
    public const string RunSucceeded = "run.succeeded";

    /// <summary>A run was cancelled (after its compensation, if any).</summary>
    public const string RunCancelled = "run.cancelled";

    /// <summary>An approval step started waiting for a decision (the payload carries the link to approve).</summary>
    public const string ApprovalWaiting = "approval.waiting";

    /// <summary>An approval step expired without a decision.</summary>
    public const string ApprovalExpired = "approval.expired";

    /// <summary>Gets every event name, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [RunFailed, RunSucceeded, RunCancelled, ApprovalWaiting, ApprovalExpired];
}

/// <summary>The notification channels the server has configured, so definitions naming another are refused when they load.</summary>
public interface INotificationChannelDirectory
{
    /// <summary>Gets the names of the configured channels.</summary>
    IReadOnlyCollection<string> ChannelNames { get; }
}
