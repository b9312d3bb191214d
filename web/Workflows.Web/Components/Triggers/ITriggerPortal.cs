using System.Text.Json.Nodes;

namespace Workflows.Web.Components.Triggers;

/// <summary>What the portal's Schedules and Webhooks pages need from the server (implemented by the server's triggers).</summary>
public interface ITriggerPortal
{
    /// <summary>Lists schedules with their next fire times.</summary>
    Task<IReadOnlyList<PortalSchedule>> ListSchedulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Pauses or resumes a schedule.</summary>
    Task SetPausedAsync(string workflow, string name, bool paused, string actor, CancellationToken cancellationToken = default);

    /// <summary>Fires a schedule now (the overlap policy applies).</summary>
    Task<PortalOutcome> RunNowAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default);

    /// <summary>Lists webhooks (secrets are never included).</summary>
    Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists a hook's latest deliveries, newest first.</summary>
    Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default);

    /// <summary>Replays a stored delivery as a new delivery.</summary>
    Task<PortalOutcome> RedeliverAsync(string hook, string deliveryId, string actor, CancellationToken cancellationToken = default);
}

/// <summary>A schedule as the portal shows it.</summary>
/// <param name="Workflow">The workflow.</param>
/// <param name="Name">The schedule's name.</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="TimeZone">The time zone.</param>
/// <param name="Overlap">skip, queue or allow.</param>
/// <param name="Paused">Whether it is paused.</param>
/// <param name="NextFires">The next fire times.</param>
/// <param name="LastFireAt">When it last fired.</param>
/// <param name="LastOutcome">started, skipped or failed.</param>
/// <param name="LastMessage">The last fire's explanation.</param>
/// <param name="LastRunId">The run the last fire started.</param>
public sealed record PortalSchedule(string Workflow, string Name, string Cron, string TimeZone, string Overlap, bool Paused, IReadOnlyList<DateTimeOffset> NextFires, DateTimeOffset? LastFireAt, string? LastOutcome, string? LastMessage, Guid? LastRunId);

/// <summary>A webhook as the portal shows it.</summary>
/// <param name="Name">The name.</param>
/// <param name="Url">The path senders post to.</param>
/// <param name="Workflow">The workflow.</param>
/// <param name="Provider">The signature scheme.</param>
/// <param name="Source">Where it is defined.</param>
/// <param name="SecretConfigured">Whether a secret is configured.</param>
/// <param name="Filter">The filter.</param>
/// <param name="Inputs">The input mapping.</param>
public sealed record PortalHook(string Name, string Url, string Workflow, string Provider, string Source, bool SecretConfigured, string? Filter, JsonObject Inputs);

/// <summary>A delivery as the portal shows it (secret-bearing headers masked).</summary>
/// <param name="Id">Its id.</param>
/// <param name="ReceivedAt">When.</param>
/// <param name="Status">accepted, ignored, duplicate, rejected, invalid, failed, too-large.</param>
/// <param name="HttpStatus">The answer's status.</param>
/// <param name="Message">The explanation.</param>
/// <param name="Event">The sender's event name.</param>
/// <param name="DeliveryKey">The sender's delivery id.</param>
/// <param name="RunId">The run it started.</param>
/// <param name="RedeliveryOf">For a redelivery, the delivery it replays.</param>
/// <param name="CanRedeliver">Whether it was authenticated and so can be replayed.</param>
public sealed record PortalDelivery(string Id, DateTimeOffset ReceivedAt, string Status, int HttpStatus, string Message, string? Event, string? DeliveryKey, Guid? RunId, string? RedeliveryOf, bool CanRedeliver);

/// <summary>The outcome of Run now or Redeliver.</summary>
/// <param name="Outcome">What happened, e.g. started, skipped, accepted, ignored, invalid.</param>
/// <param name="Message">The explanation.</param>
/// <param name="RunId">The run started, if any.</param>
public sealed record PortalOutcome(string Outcome, string Message, Guid? RunId);
