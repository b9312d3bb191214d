using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Storage;

#pragma warning disable SA1402, CA1051 // Plain row types mapped by Dapper, kept together.

/// <summary>A row of wf_runs.</summary>
public sealed class RunRow
{
    public string Id { get; set; } = "";
    public string Workflow { get; set; } = "";
    public string Version { get; set; } = "";
    public RunStatus Status { get; set; }

    /// <summary>Gets the status as it is stored (its name), the parameter the SQL writes.</summary>
    public string StatusName => Status.ToString();
    public string Inputs { get; set; } = "{}";
    public string? ConcurrencyKey { get; set; }
    public string? QueuedBehind { get; set; }
    public string TriggerKind { get; set; } = "";
    public string TriggerActor { get; set; } = "";
    public string? TriggerRef { get; set; }
    public long CreatedAt { get; set; }
    public long? StartedAt { get; set; }
    public long? FinishedAt { get; set; }
    public long UpdatedAt { get; set; }
    public string? Error { get; set; }
    public string? FailedStep { get; set; }

    /// <summary>Gets or sets why the run is compensating: <c>failed</c> or <c>cancelled</c>.</summary>
    public string? Cause { get; set; }

    public int StartCounter { get; set; }
    public int RowVersion { get; set; }

    /// <summary>Gets or sets the W3C traceparent of the run's span (null when nothing was tracing as it was created).</summary>
    public string? TraceParent { get; set; }

    /// <summary>
    /// Gets or sets whether a plan is stored for the run (wf_run_plans), kept on the row so that a step of a run without
    /// one reads no plan before it runs.
    /// </summary>
    public bool HasPlan { get; set; }

    /// <summary>
    /// Gets or sets whether one of the run's steps is scheduled, running or waiting (wf_runs.steps_active), as the last
    /// commit left it; every commit of the run sets it from its steps, so a run in an active status without one (stalled)
    /// is found through a small index.
    /// </summary>
    public bool StepsActive { get; set; }
}

/// <summary>A row of wf_steps. Compensations are rows with kind <c>compensation</c> and id <c>compensate:&lt;step&gt;</c>.</summary>
public sealed class StepRow
{
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public string Kind { get; set; } = StepKinds.Step;
    public int Position { get; set; }
    public StepStatus Status { get; set; }

    /// <summary>Gets the status as it is stored (its name), the parameter the SQL writes.</summary>
    public string StatusName => Status.ToString();

    /// <summary>Gets or sets the attempt number across the whole history (0 before the first).</summary>
    public int Attempt { get; set; }

    /// <summary>Gets or sets the attempt number before the current round (a manual retry starts a new round).</summary>
    public int AttemptBase { get; set; }

    public int PollCount { get; set; }

    /// <summary>Gets or sets what the next dispatched job does: <c>attempt</c>, <c>poll</c> or <c>resume</c>.</summary>
    public string? NextAction { get; set; }

    /// <summary>Gets or sets the number of the latest dispatch; a job carrying another number is stale and does nothing.</summary>
    public long DispatchSeq { get; set; }

    public long? DispatchedAt { get; set; }
    public long? NextPollAt { get; set; }
    public long? LeaseUntil { get; set; }
    public string? JobId { get; set; }
    public long? DeadlineAt { get; set; }
    public long? StartedAt { get; set; }
    public long? FinishedAt { get; set; }
    public int? StartOrder { get; set; }
    public string? Outputs { get; set; }
    public string? State { get; set; }
    public string? Progress { get; set; }
    public string? Signal { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }

    /// <summary>
    /// Gets or sets whether the failure in <see cref="ErrorCode"/> was retryable: the action could not
    /// say that nothing happened (a timeout, a 5xx), so compensation must look for leftovers.
    /// </summary>
    public bool? ErrorRetryable { get; set; }

    internal bool IsNew { get; set; }

    internal bool IsDirty { get; set; }

    /// <summary>
    /// Gets or sets the <c>with:</c> inputs evaluated when the transition that started the current attempt ran (not a
    /// column: it lives as long as this row object). The job that executes the attempt binds the action with them
    /// instead of evaluating (and decrypting) the same inputs a second time.
    /// </summary>
    internal PreparedInputs? Prepared { get; set; }
}

/// <summary>A row of wf_attempts.</summary>
public sealed class AttemptRow
{
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public int Number { get; set; }
    public AttemptStatus Status { get; set; }

    /// <summary>Gets the status as it is stored (its name), the parameter the SQL writes.</summary>
    public string StatusName => Status.ToString();
    public long StartedAt { get; set; }
    public long? FinishedAt { get; set; }
    public int Polls { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public string? Outputs { get; set; }

    /// <summary>Gets or sets the attempt's evaluated <c>with:</c> inputs as JSON, every secret masked (see <see cref="Execution.StepInputs.Snapshot"/>); null when not recorded.</summary>
    public string? Inputs { get; set; }
}

/// <summary>A row of wf_audit.</summary>
public sealed class AuditRow
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public long At { get; set; }
    public string Kind { get; set; } = "";
    public string Actor { get; set; } = "";
    public string? StepId { get; set; }
    public string Message { get; set; } = "";
    public string? Data { get; set; }
}

/// <summary>A row of wf_logs.</summary>
public sealed class LogRow
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public string? StepId { get; set; }
    public long At { get; set; }
    public string Text { get; set; } = "";
}

/// <summary>A row of wf_resources.</summary>
public sealed class ResourceRow
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Provider { get; set; } = "";
    public string ExternalId { get; set; } = "";
    public string? Name { get; set; }
    public string? Properties { get; set; }
    public long CreatedAt { get; set; }
    public long? DeletedAt { get; set; }

    /// <summary>Gets or sets why it left the ledger (a <see cref="Abstractions.Actions.ResourceDeletedReason"/> name); null while live (migration 11 gave every row deleted before it a reason).</summary>
    public string? DeletedReason { get; set; }

    /// <summary>Gets or sets who ran the check that found it gone, or null.</summary>
    public string? DeletedBy { get; set; }
}

/// <summary>Step kinds.</summary>
public static class StepKinds
{
    /// <summary>A step of the definition.</summary>
    public const string Step = "step";

    /// <summary>A compensation of a step.</summary>
    public const string Compensation = "compensation";

    /// <summary>The prefix of compensation step ids.</summary>
    public const string CompensationPrefix = "compensate:";
}

/// <summary>What a dispatched job does next.</summary>
public static class NextActions
{
    /// <summary>Start a new attempt.</summary>
    public const string Attempt = "attempt";

    /// <summary>Poll the current attempt.</summary>
    public const string Poll = "poll";

    /// <summary>Run the current attempt again after its worker was lost (does not count as a new attempt).</summary>
    public const string Resume = "resume";
}

/// <summary>One person's decision on one approval request (a step's attempt).</summary>
public sealed class ApprovalRow
{
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public int Attempt { get; set; }
    public string Actor { get; set; } = "";
    public bool Approved { get; set; }

    /// <summary>What made them an approver: <c>group platform-admins</c>, <c>role admin</c>, <c>user alice</c> or <c>any operator</c>.</summary>
    public string Via { get; set; } = "";
    public string? Comment { get; set; }
    public long At { get; set; }
}

/// <summary>A step's <c>with:</c> inputs as evaluated for one attempt, with the plain text of every secret the run knows.</summary>
/// <param name="Attempt">The attempt they were evaluated for.</param>
/// <param name="Evaluated">The evaluated inputs (secrets as secret values); never changed once made.</param>
/// <param name="Secrets">The plain text of the secrets, for redaction.</param>
internal sealed record PreparedInputs(int Attempt, System.Text.Json.Nodes.JsonObject Evaluated, IReadOnlySet<string> Secrets);
