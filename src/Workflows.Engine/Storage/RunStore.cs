using System.Data.Common;
using Dapper;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Storage;

/// <summary>
/// All SQL over runs, steps, attempts, audit, logs and the ledger. State changes go through
/// <see cref="MutateAsync"/>: one transaction that locks the run, loads its steps, lets the caller
/// change them in memory, and writes the changes and their audit events together.
/// </summary>
public sealed partial class RunStore
{
    private const string StepColumns = "run_id, step_id, kind, position, status, attempt, attempt_base, poll_count, next_action, dispatch_seq, dispatched_at, next_poll_at, lease_until, job_id, deadline_at, started_at, finished_at, start_order, outputs, state, progress, signal, error_code, error_message, error_retryable";
    private const string RunColumns = "id, workflow, version, status, inputs, concurrency_key, queued_behind, trigger_kind, trigger_actor, trigger_ref, created_at, started_at, finished_at, updated_at, error, failed_step, cause, start_counter, row_version, trace_parent, has_plan, steps_active";

    static RunStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    private readonly INotificationOutbox? outbox;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The engine's database.</param>
    /// <param name="outbox">Turns committed state changes into notifications (null: none are written).</param>
    public RunStore(EngineDatabase database, INotificationOutbox? outbox = null)
    {
        Database = database;
        this.outbox = outbox;
        ReadModel = new RunReadModel(database);
        Ledger = new LedgerStore(database);
        Retention = new RetentionStore(database);
    }

    /// <summary>Gets the database.</summary>
    public EngineDatabase Database { get; }

    /// <summary>Gets the read side over runs, steps, attempts, audit, logs, the ledger and approvals.</summary>
    public RunReadModel ReadModel { get; }

    /// <summary>Gets the resource ledger's store.</summary>
    public LedgerStore Ledger { get; }

    /// <summary>Gets what retention deletes.</summary>
    public RetentionStore Retention { get; }

    /// <summary>
    /// Starts a run in one transaction: claims its idempotency key and its concurrency key, lets
    /// <paramref name="begin"/> make the first transition on the new run in memory (begin it, or record that it queues),
    /// and writes the run, its steps, the plan it was started with, its audit events, notifications and first dispatches
    /// together: a failure anywhere leaves nothing behind.
    /// </summary>
    /// <param name="run">The new run (its status is set to Queued when another run holds its concurrency key).</param>
    /// <param name="steps">Its steps.</param>
    /// <param name="audit">Its first audit events (they come before those <paramref name="begin"/> adds).</param>
    /// <param name="begin">The first transition, given the run that holds the concurrency key when this one queues (else null).</param>
    /// <param name="ct">A token.</param>
    /// <param name="idempotency">The idempotency key the start claims, if any.</param>
    /// <param name="plan">The plan the run was started with, if any, and its audit event.</param>
    /// <returns>The committed transaction (its dispatches are still to be carried out).</returns>
    /// <exception cref="IdempotencyKeyTakenException">Another request holds <paramref name="idempotency"/>'s key; nothing was written.</exception>
    public async Task<RunTx> InsertRunAsync(RunRow run, IReadOnlyList<StepRow> steps, IReadOnlyList<AuditRow> audit, Action<RunTx, string?> begin, CancellationToken ct, IdempotencyRow? idempotency = null, RunPlanRow? plan = null)
    {
        ArgumentNullException.ThrowIfNull(begin);
        await using var c = await Database.OpenAsync(ct);
        await using var tx = await Database.BeginAsync(c, ct);

        // The idempotency key first (a concurrent twin waits on it, then backs off), and the concurrency key, in one round trip.
        var claims = new WriteBatch(c, tx);
        if (idempotency is not null)
        {
            ClaimIdempotencyKey(claims, idempotency);
        }

        if (run.ConcurrencyKey is { } key)
        {
            claims.Add("INSERT INTO wf_concurrency (key, run_id) VALUES (@key, @id) ON CONFLICT (key) DO NOTHING", new { key, id = run.Id });
        }

        var claimed = await claims.ExecuteAsync(ct);
        if (idempotency is not null && claimed[1] == 0)
        {
            throw new IdempotencyKeyTakenException();
        }

        string? holder = null;
        if (run.ConcurrencyKey is { } taken && claimed[^1] == 0)
        {
            holder = await c.ExecuteScalarAsync<string>($"SELECT run_id FROM wf_concurrency WHERE key = @key{Database.ForUpdate}", new { key = taken }, tx);
        }

        if (holder is not null)
        {
            run.Status = RunStatus.Queued;
            run.QueuedBehind = holder;
        }

        foreach (var s in steps)
        {
            s.IsNew = true;
        }

        var rtx = new RunTx(run, [.. steps]);
        rtx.Audit.AddRange(audit);
        if (plan is not null)
        {
            rtx.Audit.Add(plan.Audit);
        }

        begin(rtx, holder);
        if (rtx.Aborted)
        {
            await tx.RollbackAsync(ct);
            return rtx;
        }

        run.HasPlan = plan is not null;
        run.StepsActive = HasActiveStep(rtx.Steps);
        if (rtx.RunDirty)
        {
            // As if the run had been inserted and then changed by its first transition.
            run.RowVersion++;
        }

        var batch = new WriteBatch(c, tx);
        batch.Add($"INSERT INTO wf_runs ({RunColumns}) VALUES ({Params(RunColumns)})", run);
        CountRunning(batch, wasRunning: false, run.Status);
        if (plan is not null)
        {
            batch.Add("INSERT INTO wf_run_plans (run_id, planned_at, recorded_at, actor, plan) VALUES (@RunId, @PlannedAt, @RecordedAt, @Actor, @Plan)", plan);
        }

        var notifications = await WriteChangesAsync(c, tx, batch, rtx, ct);
        await tx.CommitAsync(ct);
        if (notifications.Count > 0)
        {
            outbox!.Committed(notifications);
        }

        return rtx;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the locked run and its steps and commits what it changed.
    /// Returns null when the run does not exist. With <paramref name="withApprovals"/>, the run's approval decisions are
    /// read under the same lock (<see cref="RunTx.Approvals"/>).
    /// </summary>
    public async Task<RunTx?> MutateAsync(string runId, Func<RunTx, ValueTask> work, CancellationToken ct, bool withApprovals = false)
    {
        await using var c = await Database.OpenAsync(ct);
        await using var tx = await Database.BeginAsync(c, ct);
        // The run (locked first), its steps and what the ledger says they created, in one round trip: compensation decides
        // by both. Each statement reads after the one before it, so the steps are read under the run's lock.
        RunRow? run;
        List<StepRow> steps;
        List<ResourceRow> resources;
        List<ApprovalRow> approvals = [];
        await using (var grid = await c.QueryMultipleAsync(
            $"SELECT {RunColumns} FROM wf_runs WHERE id = @runId{Database.ForUpdate}; SELECT {StepColumns} FROM wf_steps WHERE run_id = @runId ORDER BY position; SELECT id, run_id, step_id, kind, provider, external_id, name, created_at, deleted_at FROM wf_resources WHERE run_id = @runId ORDER BY id"
                + (withApprovals ? "; SELECT * FROM wf_approvals WHERE run_id = @runId" : ""),
            new { runId },
            tx))
        {
            run = await grid.ReadSingleOrDefaultAsync<RunRow>();
            steps = (await grid.ReadAsync<StepRow>()).ToList();
            resources = (await grid.ReadAsync<ResourceRow>()).ToList();
            if (withApprovals)
            {
                approvals = (await grid.ReadAsync<ApprovalRow>()).ToList();
            }
        }

        if (run is null)
        {
            return null;
        }

        var rtx = new RunTx(run, steps, resources);
        rtx.Approvals.AddRange(approvals);

        await work(rtx);
        if (rtx.Aborted)
        {
            await tx.RollbackAsync(ct);
            return rtx;
        }

        var batch = new WriteBatch(c, tx);
        var stepsActive = HasActiveStep(steps);
        if (rtx.RunDirty)
        {
            run.RowVersion++;
            run.StepsActive = stepsActive;
            batch.Add(
                "UPDATE wf_runs SET status=@StatusName, inputs=@Inputs, queued_behind=@QueuedBehind, started_at=@StartedAt, finished_at=@FinishedAt, updated_at=@UpdatedAt, error=@Error, failed_step=@FailedStep, cause=@Cause, start_counter=@StartCounter, row_version=@RowVersion, steps_active=@StepsActive WHERE id=@Id",
                run);
            CountRunning(batch, rtx.StatusBefore == RunStatus.Running, run.Status);
        }
        else if (stepsActive != run.StepsActive)
        {
            // A step change alone (e.g. the last active step settled): the flag follows, the row's version does not.
            run.StepsActive = stepsActive;
            batch.Add("UPDATE wf_runs SET steps_active=@stepsActive WHERE id=@id", new { id = run.Id, stepsActive });
        }

        var notifications = await WriteChangesAsync(c, tx, batch, rtx, ct);
        await tx.CommitAsync(ct);
        if (notifications.Count > 0)
        {
            outbox!.Committed(notifications);
        }

        return rtx;
    }

    /// <summary>
    /// Adds what a transition changed besides its run row to <paramref name="batch"/> and executes it: one round trip on
    /// PostgreSQL (two when a released concurrency key has to find the next queued run). Returns the notifications written.
    /// </summary>
    private async Task<IReadOnlyList<NotificationRow>> WriteChangesAsync(DbConnection c, DbTransaction tx, WriteBatch batch, RunTx rtx, CancellationToken ct)
    {
        var run = rtx.Run;
        InsertSteps(batch, rtx.Steps.Where(s => s.IsNew).ToList());
        foreach (var s in rtx.Steps.Where(s => s.IsDirty && !s.IsNew))
        {
            batch.Add(
                "UPDATE wf_steps SET status=@StatusName, attempt=@Attempt, attempt_base=@AttemptBase, poll_count=@PollCount, next_action=@NextAction, dispatch_seq=@DispatchSeq, dispatched_at=@DispatchedAt, next_poll_at=@NextPollAt, lease_until=@LeaseUntil, job_id=@JobId, deadline_at=@DeadlineAt, started_at=@StartedAt, finished_at=@FinishedAt, start_order=@StartOrder, outputs=@Outputs, state=@State, progress=@Progress, signal=@Signal, error_code=@ErrorCode, error_message=@ErrorMessage, error_retryable=@ErrorRetryable WHERE run_id=@RunId AND step_id=@StepId",
                s);
            s.IsDirty = false;
        }

        foreach (var a in rtx.NewAttempts)
        {
            batch.Add("INSERT INTO wf_attempts (run_id, step_id, number, status, started_at, finished_at, polls, error_code, error_message, outputs, inputs) VALUES (@RunId, @StepId, @Number, @StatusName, @StartedAt, @FinishedAt, @Polls, @ErrorCode, @ErrorMessage, @Outputs, @Inputs)", a);
        }

        foreach (var a in rtx.AttemptUpdates)
        {
            batch.Add("UPDATE wf_attempts SET status=@StatusName, finished_at=@FinishedAt, polls=@Polls, error_code=@ErrorCode, error_message=@ErrorMessage, outputs=@Outputs WHERE run_id=@RunId AND step_id=@StepId AND number=@Number", a);
        }

        InsertAudit(batch, rtx.Audit);
        InsertLogs(batch, rtx.Logs);
        foreach (var a in rtx.NewApprovals)
        {
            batch.Add("INSERT INTO wf_approvals (run_id, step_id, attempt, actor, approved, via, comment, at) VALUES (@RunId, @StepId, @Attempt, @Actor, @Approved, @Via, @Comment, @At)", a);
        }

        // The outbox: notifications caused by this change commit with it, or not at all.
        var notifications = outbox is null ? [] : await outbox.CollectAsync(rtx, ct);
        InsertNotifications(batch, notifications);

        if (rtx.ReleaseKey is { } key)
        {
            // Hand the key to the oldest queued run, or free it. The read comes first: this transition writes only its
            // own run, never the queued ones it looks at.
            var next = await c.QueryFirstOrDefaultAsync<string>(
                "SELECT id FROM wf_runs WHERE concurrency_key = @key AND status = 'Queued' AND id <> @id ORDER BY created_at, id LIMIT 1",
                new { key, id = run.Id },
                tx);
            if (next is null)
            {
                batch.Add("DELETE FROM wf_concurrency WHERE key = @key AND run_id = @id", new { key, id = run.Id });
            }
            else
            {
                batch.Add("UPDATE wf_concurrency SET run_id = @next WHERE key = @key", new { key, next });
                batch.Add("UPDATE wf_runs SET queued_behind = NULL WHERE id = @next", new { next });
                batch.Add("UPDATE wf_runs SET queued_behind = @next WHERE concurrency_key = @key AND status = 'Queued' AND id <> @next", new { key, next });
                rtx.PromotedRun = next;
            }
        }

        await batch.ExecuteAsync(ct);
        return notifications;
    }

    /// <summary>Reads a run and its steps without locking.</summary>
    public async Task<(RunRow Run, List<StepRow> Steps)?> LoadAsync(string runId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var run = await c.QuerySingleOrDefaultAsync<RunRow>($"SELECT {RunColumns} FROM wf_runs WHERE id = @runId", new { runId });
        if (run is null)
        {
            return null;
        }

        var steps = (await c.QueryAsync<StepRow>($"SELECT {StepColumns} FROM wf_steps WHERE run_id = @runId ORDER BY position", new { runId })).ToList();
        return (run, steps);
    }

    /// <summary>Reads a run's status.</summary>
    public async Task<string?> GetRunStatusAsync(string runId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<string>("SELECT status FROM wf_runs WHERE id = @runId", new { runId });
    }

    /// <summary>Records the Hangfire job id of a scheduled dispatch, so a cancel can delete it.</summary>
    public async Task SetJobIdAsync(string runId, string stepId, long seq, string jobId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE wf_steps SET job_id = @jobId WHERE run_id = @runId AND step_id = @stepId AND dispatch_seq = @seq", new { runId, stepId, seq, jobId });
    }

    /// <summary>Appends log chunks (outside a state change, e.g. while an action runs).</summary>
    public async Task AppendLogsAsync(IReadOnlyList<LogRow> logs, IReadOnlyList<AuditRow> audit, CancellationToken ct)
    {
        if (logs.Count == 0 && audit.Count == 0)
        {
            return;
        }

        await using var c = await Database.OpenAsync(ct);
        await using var tx = await Database.BeginAsync(c, ct);
        var batch = new WriteBatch(c, tx);
        InsertLogs(batch, logs);
        InsertAudit(batch, audit);
        await batch.ExecuteAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Appends audit events outside a state change.</summary>
    public Task AppendAuditAsync(IReadOnlyList<AuditRow> audit, CancellationToken ct) => AppendLogsAsync([], audit, ct);

    /// <summary>Finds steps whose worker was lost or whose dispatch never ran, for the sweeper.</summary>
    /// <remarks>
    /// Each branch reads its own index (ix_wf_steps_sweep, and the partial ix_wf_steps_poll_due and
    /// ix_wf_steps_dispatch_due) from its oldest entry up to the cut-off, so the cost follows the late steps, not the
    /// waiting ones.
    /// </remarks>
    public async Task<List<(string RunId, string StepId)>> FindStalledAsync(long now, long dispatchGraceMs, int max, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var rows = await c.QueryAsync<(string, string)>(
            """
            SELECT run_id, step_id FROM wf_steps
            WHERE (status = 'Running' AND lease_until < @now)
               OR (status = 'Waiting' AND next_poll_at < @late)
               OR (status = 'Scheduled' AND dispatched_at < @late)
            ORDER BY run_id LIMIT @max
            """,
            new { now, late = now - dispatchGraceMs, max });
        return rows.ToList();
    }

    /// <summary>Finds running runs whose steps are all settled but which did not advance (e.g. a crash between two transactions).</summary>
    /// <remarks>
    /// Reads the partial index ix_wf_runs_idle, which holds only the runs in an active status without an active step
    /// (<see cref="RunRow.StepsActive"/>): its cost follows the stalled runs, not the waiting ones. The steps are checked
    /// again for each candidate, so a flag written by an older server (before the flag existed) cannot kick a busy run.
    /// </remarks>
    public async Task<List<string>> FindIdleRunsAsync(long olderThan, int max, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var rows = await c.QueryAsync<string>(
            """
            SELECT r.id FROM wf_runs r
            WHERE r.status IN ('Running', 'Compensating', 'Cancelling') AND NOT r.steps_active AND r.updated_at < @olderThan
              AND NOT EXISTS (SELECT 1 FROM wf_steps s WHERE s.run_id = r.id AND s.status IN ('Scheduled', 'Running', 'Waiting'))
            LIMIT @max
            """,
            new { olderThan, max });
        return rows.ToList();
    }

    /// <summary>
    /// Journals a run entering or leaving Running (<c>wf_run_count_changes</c>, in the commit that changes it): an insert,
    /// so concurrent commits never wait on each other for the count, as they would on one counter row.
    /// </summary>
    private static void CountRunning(WriteBatch batch, bool wasRunning, RunStatus now)
    {
        var delta = (now == RunStatus.Running ? 1 : 0) - (wasRunning ? 1 : 0);
        if (delta != 0)
        {
            batch.Add("INSERT INTO wf_run_count_changes (delta) VALUES (@delta)", new { delta });
        }
    }

    /// <summary>
    /// Folds the journal of Running runs into its base row (<c>wf_run_counts</c>), so the journal holds only the changes
    /// since the last fold; the sweeper calls it every sweep, the metrics scrape before it reads. Returns how many
    /// changes were folded.
    /// </summary>
    public async Task<int> FoldRunCountsAsync(CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        if (Database.Kind == DatabaseKind.Postgres)
        {
            // One statement: exactly the rows it deletes are added (a change committed meanwhile stays for the next fold),
            // and a second server folding at once waits on the rows, then finds them gone.
            return await c.ExecuteScalarAsync<int>(
                """
                WITH d AS (DELETE FROM wf_run_count_changes RETURNING delta),
                     u AS (UPDATE wf_run_counts SET running = running + (SELECT COALESCE(SUM(delta), 0) FROM d) WHERE id = 1 AND EXISTS (SELECT 1 FROM d))
                SELECT COUNT(*) FROM d
                """);
        }

        // SQLite: one writer at a time, so the sum and the deletion see the same rows inside the transaction.
        await using var tx = await Database.BeginAsync(c, ct);
        var folded = await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM wf_run_count_changes", transaction: tx);
        if (folded > 0)
        {
            await c.ExecuteAsync("UPDATE wf_run_counts SET running = running + (SELECT COALESCE(SUM(delta), 0) FROM wf_run_count_changes) WHERE id = 1; DELETE FROM wf_run_count_changes", transaction: tx);
        }

        await tx.CommitAsync(ct);
        return folded;
    }

    /// <summary>Whether one of the steps is scheduled, running or waiting: the value of wf_runs.steps_active a commit writes.</summary>
    internal static bool HasActiveStep(IEnumerable<StepRow> steps) =>
        steps.Any(s => s.Status is StepStatus.Scheduled or StepStatus.Running or StepStatus.Waiting);

    /// <summary>
    /// Takes a concurrency key for a run if it is free (outside a state change: a retry takes it before its transition)
    /// and returns the run that holds it now — this run, or the one it has to queue behind.
    /// </summary>
    public async Task<string?> ClaimConcurrencyKeyAsync(string key, string runId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await c.ExecuteAsync("INSERT INTO wf_concurrency (key, run_id) VALUES (@key, @runId) ON CONFLICT (key) DO NOTHING", new { key, runId });
        return await c.ExecuteScalarAsync<string>("SELECT run_id FROM wf_concurrency WHERE key = @key", new { key });
    }

    // A row's status is an enum; it is written by its name (StatusName), as the columns have always held it.
    private static string Params(string columns) =>
        string.Join(", ", columns.Split(',').Select(c => c.Trim() == "status" ? "@StatusName" : "@" + string.Concat(c.Trim().Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]))));

    private static void InsertSteps(WriteBatch batch, IReadOnlyList<StepRow> steps)
    {
        foreach (var s in steps)
        {
            batch.Add($"INSERT INTO wf_steps ({StepColumns}) VALUES ({Params(StepColumns)})", s);
            s.IsNew = false;
            s.IsDirty = false;
        }
    }

    private static void InsertAudit(WriteBatch batch, IReadOnlyList<AuditRow> audit)
    {
        foreach (var a in audit)
        {
            batch.Add("INSERT INTO wf_audit (run_id, at, kind, actor, step_id, message, data) VALUES (@RunId, @At, @Kind, @Actor, @StepId, @Message, @Data)", a);
        }
    }

    private static void InsertLogs(WriteBatch batch, IReadOnlyList<LogRow> logs)
    {
        foreach (var l in logs)
        {
            batch.Add("INSERT INTO wf_logs (run_id, step_id, at, text) VALUES (@RunId, @StepId, @At, @Text)", l);
        }
    }
}

/// <summary>One state change of one run, in memory until <see cref="RunStore.MutateAsync"/> commits it.</summary>
public sealed class RunTx
{
    internal RunTx(RunRow run, List<StepRow> steps, List<ResourceRow>? resources = null)
    {
        Run = run;
        StatusBefore = run.Status;
        Steps = steps;
        Resources = resources ?? [];
    }

    /// <summary>Gets the run (set <see cref="RunDirty"/> after changing it).</summary>
    public RunRow Run { get; }

    /// <summary>Gets the run's status as it was loaded, before this change.</summary>
    public RunStatus StatusBefore { get; }

    /// <summary>Gets the steps, in position order.</summary>
    public List<StepRow> Steps { get; }

    /// <summary>Gets the run's resource ledger as it was when the run was locked (deleted ones included; no properties).</summary>
    public IReadOnlyList<ResourceRow> Resources { get; }

    /// <summary>Gets the run's approval decisions, when the transaction was opened with them.</summary>
    public List<ApprovalRow> Approvals { get; } = [];

    /// <summary>Gets the approval decisions to record.</summary>
    public List<ApprovalRow> NewApprovals { get; } = [];

    /// <summary>Gets or sets whether the run row changed.</summary>
    public bool RunDirty { get; set; }

    /// <summary>Gets whether the change was abandoned (nothing is written).</summary>
    public bool Aborted { get; private set; }

    /// <summary>Gets the attempts to insert.</summary>
    public List<AttemptRow> NewAttempts { get; } = [];

    /// <summary>Gets the attempts to update.</summary>
    public List<AttemptRow> AttemptUpdates { get; } = [];

    /// <summary>Gets the audit events to insert.</summary>
    public List<AuditRow> Audit { get; } = [];

    /// <summary>Gets the log chunks to insert.</summary>
    public List<LogRow> Logs { get; } = [];

    /// <summary>Gets the jobs to dispatch after commit.</summary>
    public List<Dispatch> Dispatches { get; } = [];

    /// <summary>Gets Hangfire jobs to delete after commit (scheduled polls of cancelled steps).</summary>
    public List<string> JobsToDelete { get; } = [];

    /// <summary>Gets or sets a concurrency key to release (or hand to the next queued run) in this transaction.</summary>
    public string? ReleaseKey { get; set; }

    /// <summary>Gets or sets the queued run that received the released key.</summary>
    public string? PromotedRun { get; set; }

    /// <summary>Gets or sets a step this job claimed for itself to execute next without a queue round trip.</summary>
    public StepRow? InlineNext { get; set; }

    /// <summary>Finds a step.</summary>
    public StepRow? Step(string id) => Steps.FirstOrDefault(s => s.StepId == id);

    /// <summary>Marks a step changed.</summary>
    public void Touch(StepRow step) => step.IsDirty = true;

    /// <summary>Abandons the change.</summary>
    public void Abort() => Aborted = true;
}

/// <summary>A Hangfire job to create after commit.</summary>
/// <param name="RunId">The run.</param>
/// <param name="StepId">The step.</param>
/// <param name="Seq">The dispatch number the job carries.</param>
/// <param name="Delay">Zero to enqueue, else the delay of a scheduled job.</param>
public sealed record Dispatch(string RunId, string StepId, long Seq, TimeSpan Delay);
