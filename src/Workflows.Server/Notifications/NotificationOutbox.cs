using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Storage;

namespace Workflows.Server.Notifications;

/// <summary>
/// Turns the audit events of a state change into notifications, inside its transaction: <c>run.finished</c> into
/// run.succeeded / failed / cancelled, the first <c>step.waiting</c> of a <c>core.approval</c> attempt into
/// approval.waiting, and its failure with <c>approval.expired</c> into approval.expired. Each event goes to the
/// channels of the matching global rules and of the definition's <c>notify:</c>, once per channel.
/// </summary>
public sealed class NotificationOutbox(
    IOptionsMonitor<NotificationOptions> options,
    WorkflowCatalog catalog,
    NotificationSignal signal,
    TimeProvider clock) : INotificationOutbox
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<NotificationRow>> CollectAsync(RunTx tx, CancellationToken cancellationToken)
    {
        var events = new List<(string Event, string Key, StepRow? Step)>();
        WorkflowDefinition? def = null;
        foreach (var a in tx.Audit)
        {
            switch (a.Kind)
            {
                case "run.finished":
                    var ev = tx.Run.Status switch
                    {
                        RunStatus.Succeeded => NotificationEvents.RunSucceeded,
                        RunStatus.Failed => NotificationEvents.RunFailed,
                        RunStatus.Cancelled => NotificationEvents.RunCancelled,
                        _ => null,
                    };
                    if (ev is not null)
                    {
                        // The row version tells a run that finishes again after a retry from the first finish.
                        events.Add((ev, $"{tx.Run.Id}|{ev}|{tx.Run.RowVersion}", null));
                    }

                    break;
                case "step.waiting" when a.StepId is { } waiting && tx.Step(waiting) is { } step:
                    def ??= await catalog.GetVersionAsync(tx.Run.Version, cancellationToken);
                    if (def?.FindStep(waiting)?.Uses == Workflows.Engine.Actions.ApprovalAction.Name)
                    {
                        events.Add((NotificationEvents.ApprovalWaiting, $"{tx.Run.Id}|{NotificationEvents.ApprovalWaiting}|{waiting}|{step.Attempt}", step));
                    }

                    break;
                case "step.attempt.failed" when a.StepId is { } failed && tx.Step(failed) is { ErrorCode: "approval.expired" } step:
                    events.Add((NotificationEvents.ApprovalExpired, $"{tx.Run.Id}|{NotificationEvents.ApprovalExpired}|{failed}|{step.Attempt}", step));
                    break;
            }
        }

        if (events.Count == 0)
        {
            return [];
        }

        def ??= await catalog.GetVersionAsync(tx.Run.Version, cancellationToken);
        var o = options.CurrentValue;
        var now = clock.GetUtcNow();
        var rows = new List<NotificationRow>();
        foreach (var (ev, key, step) in events)
        {
            foreach (var channel in ChannelsFor(o, def, tx.Run.Workflow, ev))
            {
                var id = DeliveryId(key, channel);
                var message = Describe(o, tx.Run, ev, step, id, now);
                rows.Add(new NotificationRow
                {
                    Id = id,
                    RunId = tx.Run.Id,
                    Event = ev,
                    Channel = channel,
                    Payload = message.ToJson(),
                    Status = NotificationStatus.Pending,
                    NextAt = now.ToUnixTimeMilliseconds(),
                    CreatedAt = now.ToUnixTimeMilliseconds(),
                });
            }
        }

        return rows;
    }

    /// <inheritdoc />
    public void Committed(IReadOnlyList<NotificationRow> notifications) => signal.Notify();

    /// <summary>Returns the channels that receive <paramref name="ev"/> of <paramref name="workflow"/>: global rules first, then the definition's, each once.</summary>
    public static IReadOnlyList<string> ChannelsFor(NotificationOptions options, WorkflowDefinition? definition, string workflow, string ev)
    {
        var channels = new List<string>();
        foreach (var rule in options.Rules)
        {
            if ((rule.Events.Count == 0 || rule.Events.Contains(ev, StringComparer.Ordinal))
                && (rule.Workflows.Count == 0 || rule.Workflows.Any(p => Matches(p, workflow))))
            {
                channels.AddRange(rule.AllChannels());
            }
        }

        if (definition?.Notify.TryGetValue(ev, out var own) == true)
        {
            channels.AddRange(own);
        }

        return channels.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Returns the delivery id of an event for a channel: stable, so every attempt (and every server) sends the same one.</summary>
    public static string DeliveryId(string eventKey, string channel) =>
        "ntf-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventKey + "\n" + channel)))[..32];

    /// <summary>Whether <paramref name="name"/> matches a workflow pattern (<c>*</c> stands for any text).</summary>
    public static bool Matches(string pattern, string name)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return string.Equals(pattern, name, StringComparison.Ordinal);
        }

        var parts = pattern.Split('*');
        if (!name.StartsWith(parts[0], StringComparison.Ordinal) || !name.EndsWith(parts[^1], StringComparison.Ordinal) || name.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var at = parts[0].Length;
        foreach (var middle in parts[1..^1])
        {
            var found = name.IndexOf(middle, at, StringComparison.Ordinal);
            if (found < 0 || found + middle.Length > name.Length - parts[^1].Length)
            {
                return false;
            }

            at = found + middle.Length;
        }

        return true;
    }

    private static NotificationMessage Describe(NotificationOptions o, RunRow run, string ev, StepRow? step, string id, DateTimeOffset now)
    {
        var baseUrl = o.PublicBaseUrl?.ToString().TrimEnd('/');
        var runUrl = baseUrl is null ? null : $"{baseUrl}/runs/{run.Id}";
        var failed = run.Status == RunStatus.Failed;
        var r = new NotificationRun(run.Id, run.Workflow, run.Version, run.Status.ToString(), run.TriggerKind, run.TriggerActor, failed ? run.Error : null, failed ? run.FailedStep : null, runUrl);
        NotificationApproval? approval = null;
        if (step is not null)
        {
            const string Prefix = "waiting for approval: ";
            var question = step.Progress is { } p && p.StartsWith(Prefix, StringComparison.Ordinal) ? p[Prefix.Length..] : step.Progress;
            var api = baseUrl is null ? null : $"{baseUrl}/api/runs/{run.Id}/steps/{Uri.EscapeDataString(step.StepId)}";
            approval = new NotificationApproval(step.StepId, ev == NotificationEvents.ApprovalWaiting ? question : step.ErrorMessage, runUrl, api is null ? null : api + "/approve", api is null ? null : api + "/reject");
        }

        var summary = ev switch
        {
            NotificationEvents.RunSucceeded => $"Run {run.Id} of {run.Workflow} succeeded",
            NotificationEvents.RunCancelled => $"Run {run.Id} of {run.Workflow} was cancelled",
            NotificationEvents.RunFailed => $"Run {run.Id} of {run.Workflow} failed"
                + (run.FailedStep is null || (run.Error?.Contains($"'{run.FailedStep}'", StringComparison.Ordinal) ?? false) ? "" : $" at step '{run.FailedStep}'")
                + (run.Error is null ? "" : $": {run.Error}"),
            NotificationEvents.ApprovalWaiting => $"Run {run.Id} of {run.Workflow} waits for approval at step '{step!.StepId}'" + (approval?.Message is { } m ? $": {m}" : ""),
            _ => $"The approval of step '{step!.StepId}' in run {run.Id} of {run.Workflow} expired without a decision",
        };
        return new NotificationMessage(id, ev, now, summary, r, approval);
    }
}

/// <summary>The configured channel names, for the definition parser (a <c>notify:</c> naming another is a load error).</summary>
public sealed class NotificationChannelDirectory(IOptions<NotificationOptions> options) : INotificationChannelDirectory
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> ChannelNames => options.Value.Channels.Keys;
}

/// <summary>Wakes the delivery pump when a transaction committed notifications, so they go out without waiting for a poll.</summary>
public sealed class NotificationSignal : IDisposable
{
    private readonly SemaphoreSlim gate = new(0, 1);

    /// <summary>Wakes the pump (several calls before it wakes count as one).</summary>
    public void Notify()
    {
        try
        {
            gate.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a signal or <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => gate.WaitAsync(timeout, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => gate.Dispose();
}
