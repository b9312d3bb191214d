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

    /// <summary>Creates (<paramref name="create"/>) or replaces an API-defined schedule; returns the problems by field when it is not valid.</summary>
    /// <remarks>Callers check that the user is an admin (as the API does).</remarks>
    Task<PortalScheduleSaved> SaveScheduleAsync(PortalScheduleEdit schedule, bool create, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes an API-defined schedule (definition schedules are removed from their file).</summary>
    /// <remarks>Callers check that the user is an admin (as the API does).</remarks>
    Task<PortalOutcome> DeleteScheduleAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default);

    /// <summary>Says a cron expression in plain language with its next fire times in a time zone, or why it is not valid.</summary>
    PortalCronPreview PreviewCron(string cron, string timeZone);

    /// <summary>Lists webhooks (secrets are never included).</summary>
    Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists a hook's latest deliveries, newest first.</summary>
    Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default);

    /// <summary>Gets one delivery with its headers (secret-bearing ones masked) and payload, or null.</summary>
    Task<PortalDeliveryDetail?> GetDeliveryAsync(string hook, string deliveryId, CancellationToken cancellationToken = default);

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
public sealed record PortalSchedule(string Workflow, string Name, string Cron, string TimeZone, string Overlap, bool Paused, IReadOnlyList<DateTimeOffset> NextFires, DateTimeOffset? LastFireAt, string? LastOutcome, string? LastMessage, Guid? LastRunId)
{
    /// <summary>The origin of a schedule declared in a workflow definition (read-only here).</summary>
    public const string DefinitionOrigin = "definition";

    /// <summary>The origin of a schedule created through the API or the portal.</summary>
    public const string ApiOrigin = "api";

    /// <summary>Gets the cron in plain language. Default is empty (show <see cref="Cron"/>).</summary>
    public string Description { get; init; } = "";

    /// <summary>Gets <see cref="DefinitionOrigin"/> or <see cref="ApiOrigin"/>. Default is <see cref="DefinitionOrigin"/>.</summary>
    public string Origin { get; init; } = DefinitionOrigin;

    /// <summary>Gets the definition file, or <c>api (by …)</c>. Default is empty.</summary>
    public string Source { get; init; } = "";

    /// <summary>Gets the inputs it passes (templates over <c>schedule.*</c> allowed). Default is none.</summary>
    public JsonObject Inputs { get; init; } = [];

    /// <summary>Gets who created an API schedule. Default is null.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>Gets when an API schedule was created. Default is null.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets who changed an API schedule last. Default is null.</summary>
    public string? UpdatedBy { get; init; }

    /// <summary>Gets when an API schedule was changed last. Default is null.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Gets who paused (or resumed) it last. Default is null.</summary>
    public string? PausedBy { get; init; }

    /// <summary>Gets whether it can be edited and deleted here (created through the API or the portal).</summary>
    public bool Editable => Origin == ApiOrigin;
}

/// <summary>An API-defined schedule to create or replace.</summary>
/// <param name="Workflow">The workflow it starts.</param>
/// <param name="Name">Its name (lower-case letters, digits and dashes).</param>
/// <param name="Cron">The cron expression (5 fields, or 6 with seconds first).</param>
/// <param name="TimeZone">The IANA time zone, e.g. Europe/Berlin.</param>
/// <param name="Overlap">skip, queue or allow.</param>
/// <param name="Inputs">The inputs to pass.</param>
public sealed record PortalScheduleEdit(string Workflow, string Name, string Cron, string TimeZone, string Overlap, JsonObject Inputs);

/// <summary>A cron expression as the schedule dialog previews it.</summary>
/// <param name="Description">The expression in plain language, or null when it is not valid.</param>
/// <param name="NextFires">The next fire times in the time zone (UTC offsets of that zone).</param>
/// <param name="Error">Why the expression or the zone is not valid, or null.</param>
public sealed record PortalCronPreview(string? Description, IReadOnlyList<DateTimeOffset> NextFires, string? Error);

/// <summary>What saving a schedule did.</summary>
/// <param name="Saved">Whether it was saved.</param>
/// <param name="Message">Why not, when the problem is not one field's (it exists already, it is declared in a file).</param>
/// <param name="Errors">The problems by field: workflow, name, cron, timezone, overlap, inputs or an input's name.</param>
public sealed record PortalScheduleSaved(bool Saved, string? Message, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>One delivery with what was received.</summary>
/// <param name="Delivery">The delivery.</param>
/// <param name="Headers">The request headers, secret-bearing ones (and any value holding the hook's secret) shown as <c>***</c>.</param>
/// <param name="Body">The payload as text (the hook's secret masked), or null when it was not kept (refused deliveries).</param>
public sealed record PortalDeliveryDetail(PortalDelivery Delivery, IReadOnlyList<KeyValuePair<string, string>> Headers, string? Body);

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
public sealed record PortalDelivery(string Id, DateTimeOffset ReceivedAt, string Status, int HttpStatus, string Message, string? Event, string? DeliveryKey, Guid? RunId, string? RedeliveryOf, bool CanRedeliver)
{
    /// <summary>Gets the delivery's id as the sender knows it (its delivery header), else ours. Default is <see cref="Id"/>.</summary>
    public string DeliveryId { get; init; } = Id;

    /// <summary>Gets where <see cref="DeliveryId"/> comes from: the header's name, or <c>generated</c>. Default is <c>generated</c>.</summary>
    public string DeliveryIdSource { get; init; } = "generated";

    /// <summary>Gets the payload's size in bytes. Default is 0.</summary>
    public int BodySize { get; init; }
}

/// <summary>The outcome of Run now or Redeliver.</summary>
/// <param name="Outcome">What happened, e.g. started, skipped, accepted, ignored, invalid.</param>
/// <param name="Message">The explanation.</param>
/// <param name="RunId">The run started, if any.</param>
public sealed record PortalOutcome(string Outcome, string Message, Guid? RunId);
