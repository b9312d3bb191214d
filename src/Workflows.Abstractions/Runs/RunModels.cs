using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.Abstractions.Runs;

/// <summary>Who or what started a run.</summary>
/// <param name="Kind">The trigger kind.</param>
/// <param name="Actor">The user, schedule name, webhook name or parent run.</param>
/// <param name="Reference">A reference such as a webhook delivery id, or null.</param>
public sealed record TriggerInfo(TriggerKind Kind, string Actor, string? Reference = null);

/// <summary>A request to start a run.</summary>
/// <param name="Workflow">The workflow name.</param>
/// <param name="Inputs">Input values by name; missing ones take their defaults.</param>
/// <param name="Trigger">Who starts it.</param>
public sealed record StartRunRequest(string Workflow, IReadOnlyDictionary<string, JsonNode?> Inputs, TriggerInfo Trigger)
{
    /// <summary>
    /// Gets the client's idempotency key (the <c>Idempotency-Key</c> header, or one per portal form), or null.
    /// Within its lifetime, the same key from the same actor with the same workflow and inputs answers the run it
    /// first created instead of starting another; with other inputs it is refused.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Gets whether the run is planned before it starts (as <see cref="IWorkflowPlanner"/> would) and the plan kept with it.
    /// A definition with <c>plan: required</c> is planned whatever this says. Default is false.
    /// </summary>
    public bool Plan { get; init; }

    /// <summary>
    /// Gets whether a run whose plan has errors is started anyway (its audit says so). Default is false: the start is
    /// refused with <see cref="PlanHasErrorsException"/>.
    /// </summary>
    public bool OverridePlanErrors { get; init; }

    /// <summary>
    /// Gets the plan the caller already made from these very inputs and showed to the person starting the run (the
    /// portal's Preview), kept with the run instead of planning again; null to plan at start. Default is null.
    /// </summary>
    public WorkflowPlan? Preview { get; init; }
}

/// <summary>A request to retry a failed or cancelled run.</summary>
/// <param name="Actor">Who asks.</param>
/// <param name="Inputs">Inputs to change (others keep their values; secrets left out keep theirs), or null.</param>
/// <param name="FromStep">The step to restart from; null for every failed, cancelled or compensated step.</param>
public sealed record RetryRequest(string Actor, IReadOnlyDictionary<string, JsonNode?>? Inputs = null, string? FromStep = null);

/// <summary>An operator's decision on an approval step.</summary>
/// <param name="Approved">Whether it is approved.</param>
/// <param name="Actor">Who decided.</param>
/// <param name="Comment">An optional comment.</param>
public sealed record ApprovalDecision(bool Approved, string Actor, string? Comment)
{
    /// <summary>Gets the roles the decider holds (viewer, operator, admin), checked against the step's policy. Default is none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the decider's groups from single sign-on (none for local users and API tokens). Default is none.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Gets the decider as the policy sees them.</summary>
    public Approver Approver => new(Actor, Roles, Groups);
}

/// <summary>A run as listed.</summary>
public sealed record RunSummary
{
    /// <summary>Gets the id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the workflow name.</summary>
    public required string Workflow { get; init; }

    /// <summary>Gets the definition version the run is pinned to.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the status.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets who or what started it.</summary>
    public required TriggerInfo Trigger { get; init; }

    /// <summary>Gets when it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it started executing (after any queueing).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when it finished.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets the evaluated concurrency key, or null.</summary>
    public string? ConcurrencyKey { get; init; }

    /// <summary>Gets, for a queued run, the run it waits for.</summary>
    public Guid? QueuedBehind { get; init; }

    /// <summary>Gets the failure or cancellation reason.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the step that failed, if one did.</summary>
    public string? FailedStep { get; init; }
}

/// <summary>A run with its inputs, steps and attempts.</summary>
/// <param name="Run">The summary.</param>
/// <param name="Inputs">The inputs with secrets masked.</param>
/// <param name="Steps">The steps in definition order, then compensations.</param>
public sealed record RunDetail(RunSummary Run, IReadOnlyDictionary<string, JsonNode?> Inputs, IReadOnlyList<StepView> Steps);

/// <summary>One step of a run.</summary>
public sealed record StepView
{
    /// <summary>Gets the step id (compensations: <c>compensate:&lt;id&gt;</c>).</summary>
    public required string StepId { get; init; }

    /// <summary>Gets whether this is a compensation.</summary>
    public bool IsCompensation { get; init; }

    /// <summary>Gets the action.</summary>
    public required string Uses { get; init; }

    /// <summary>Gets the steps it needs.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];

    /// <summary>Gets the status.</summary>
    public required StepStatus Status { get; init; }

    /// <summary>Gets the current attempt number (0 before the first).</summary>
    public int Attempt { get; init; }

    /// <summary>Gets the attempts allowed by the retry policy.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>Gets the latest progress text.</summary>
    public string? Progress { get; init; }

    /// <summary>Gets when it first started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when it finished.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets when it will be polled or retried next.</summary>
    public DateTimeOffset? NextPollAt { get; init; }

    /// <summary>Gets its deadline.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Gets its outputs (secrets masked).</summary>
    public JsonNode? Outputs { get; init; }

    /// <summary>Gets the last error code.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the last error message.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets every attempt, oldest first.</summary>
    public IReadOnlyList<AttemptView> Attempts { get; init; } = [];
}

/// <summary>One attempt of a step.</summary>
/// <param name="Number">The attempt number across the run's whole history.</param>
/// <param name="Status">Its status.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Polls">How many polls it took.</param>
/// <param name="ErrorCode">Its error code.</param>
/// <param name="ErrorMessage">Its error message.</param>
/// <param name="Outputs">Its outputs (secrets masked).</param>
/// <param name="Inputs">
/// Its <c>with:</c> inputs as the engine evaluated them when it started (expressions replaced by their values), every secret
/// and every value derived from one as <c>***</c>, an empty secret as an empty string; a value cut to keep the whole under
/// 64 KiB ends in "… (truncated, N bytes)". Null when the attempt kept none (it started before this was recorded, or
/// its inputs could not be evaluated).
/// </param>
public sealed record AttemptView(
    int Number,
    AttemptStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    int Polls,
    string? ErrorCode,
    string? ErrorMessage,
    JsonNode? Outputs,
    JsonObject? Inputs = null);

/// <summary>One entry of a run's audit trail.</summary>
/// <param name="Id">A sequence number, increasing.</param>
/// <param name="RunId">The run.</param>
/// <param name="At">When.</param>
/// <param name="Kind">What kind of event, e.g. <c>run.started</c>, <c>step.attempt.failed</c>, <c>call</c>.</param>
/// <param name="Actor">Who: a user, <c>engine</c>, a schedule or a webhook.</param>
/// <param name="StepId">The step concerned, if any.</param>
/// <param name="Message">A readable line.</param>
/// <param name="Data">Details (secrets masked).</param>
public sealed record AuditEvent(long Id, Guid RunId, DateTimeOffset At, string Kind, string Actor, string? StepId, string Message, JsonNode? Data);

/// <summary>A chunk of a run's log.</summary>
/// <param name="Seq">Its sequence number; ask for chunks after it to follow the log.</param>
/// <param name="StepId">The step that wrote it.</param>
/// <param name="At">When it was written.</param>
/// <param name="Text">The text (redacted).</param>
public sealed record LogChunk(long Seq, string? StepId, DateTimeOffset At, string Text);

/// <summary>A page of log chunks.</summary>
/// <param name="Chunks">The chunks.</param>
/// <param name="Next">The sequence number to pass as <c>after</c> next time.</param>
public sealed record LogSlice(IReadOnlyList<LogChunk> Chunks, long Next);

/// <summary>A page of results.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items.</param>
/// <param name="Total">The total across pages; a lower bound when <paramref name="TotalExact"/> is false.</param>
/// <param name="Page">This page (1-based).</param>
/// <param name="PageSize">The page size.</param>
/// <param name="TotalExact">
/// Whether <paramref name="Total"/> is exact; false when counting stopped at a bound (the runs list counts at most
/// 10,000 rows past the end of the page asked for, so a first page costs the same with 100 runs or a million).
/// </param>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize, bool TotalExact = true);

/// <summary>Filters for listing runs.</summary>
public sealed record RunFilter
{
    /// <summary>Gets the statuses to include, or null for all.</summary>
    public IReadOnlyList<RunStatus>? Statuses { get; init; }

    /// <summary>Gets the workflow name, or null.</summary>
    public string? Workflow { get; init; }

    /// <summary>Gets the trigger kind, or null.</summary>
    public TriggerKind? TriggerKind { get; init; }

    /// <summary>Gets the earliest creation time, or null.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest creation time, or null.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Gets free text to find, or null: a run matches when its id starts with it, or its workflow, actor, error, failed
    /// step or an input value (secrets excluded: they are stored encrypted) contains it, ignoring case.
    /// </summary>
    public string? Query { get; init; }

    /// <summary>Gets the start of a run id (a short id such as <c>a62242a3</c>), or null.</summary>
    public string? IdPrefix { get; init; }

    /// <summary>Gets the page (1-based). Default is 1.</summary>
    public int Page { get; init; } = 1;

    /// <summary>Gets the page size (1–500). Default is 50.</summary>
    public int PageSize { get; init; } = 50;
}

/// <summary>Filters for the resource ledger.</summary>
public sealed record ResourceFilter
{
    /// <summary>Gets the run, or null for all runs.</summary>
    public Guid? RunId { get; init; }

    /// <summary>Gets the kind, or null.</summary>
    public string? Kind { get; init; }

    /// <summary>Gets whether to include deleted resources. Default is false.</summary>
    public bool IncludeDeleted { get; init; }

    /// <summary>
    /// Gets the only reason to list: resources that left the ledger for it (deleted by a run, or found gone by a check),
    /// whatever <see cref="IncludeDeleted"/> says; or null for no such restriction. Default is null.
    /// </summary>
    public ResourceDeletedReason? DeletedReason { get; init; }

    /// <summary>Gets whether to list only orphans: resources still alive whose run has finished unsuccessfully.</summary>
    public bool OrphansOnly { get; init; }
}

/// <summary>A change the engine announces in-process, for live views.</summary>
/// <param name="RunId">The run that changed.</param>
/// <param name="Kind">What changed: <c>run</c>, <c>step</c> or <c>log</c>.</param>
public sealed record RunNotification(Guid RunId, string Kind);
