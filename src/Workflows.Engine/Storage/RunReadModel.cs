using System.Text;
using Dapper;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Storage;

/// <summary>
/// The read side over runs, steps, attempts, audit, logs, the ledger and approvals, as named queries. Rows come back as
/// stored; <c>RunQueries</c> and <c>ApprovalQueries</c> map them (masking secrets) for the API and the portal.
/// </summary>
public sealed class RunReadModel
{
    private readonly EngineDatabase database;

    /// <summary>Creates the read model.</summary>
    /// <param name="database">The engine's database.</param>
    public RunReadModel(EngineDatabase database) => this.database = database;

    /// <summary>
    /// Gets whether <see cref="PageAsync"/> and <see cref="IdsAsync"/> need the ids of the runs waiting for an approval
    /// for <paramref name="filter"/>: WaitingForApproval is derived (Running runs with an undecided approval step), so a
    /// filter on exactly one of Running and WaitingForApproval splits the Running runs by those ids.
    /// </summary>
    public static bool NeedsWaitingForApproval(RunFilter filter) =>
        filter.Statuses is { Count: > 0 } s && s.Contains(RunStatus.Running) != s.Contains(RunStatus.WaitingForApproval);

    /// <summary>How many rows past the end of the page asked for the runs list counts at most (<see cref="PageAsync"/>).</summary>
    public const int CountBeyondPage = 10_000;

    /// <summary>
    /// Reads one page of the runs matching a filter, newest first, and how many match in all — counted up to
    /// <see cref="CountBeyondPage"/> rows past the end of the page: a full count read every row (300 ms for 100,000
    /// runs on a loaded 2-core machine), a bounded one costs the same whatever the number of runs.
    /// </summary>
    /// <param name="filter">The filter (its paging is ignored: <paramref name="take"/> and <paramref name="skip"/> apply).</param>
    /// <param name="waitingForApproval">The ids of the runs waiting for an approval, when <see cref="NeedsWaitingForApproval"/> says so.</param>
    /// <param name="take">How many rows at most.</param>
    /// <param name="skip">How many rows to skip.</param>
    /// <param name="ct">The cancellation token.</param>
    /// <returns>The total (a lower bound when <c>Exact</c> is false: the count reached its bound) and the page's rows.</returns>
    public async Task<(long Total, bool Exact, List<RunRow> Rows)> PageAsync(RunFilter filter, IReadOnlyCollection<string>? waitingForApproval, int take, int skip, CancellationToken ct)
    {
        var p = new DynamicParameters();
        var where = Where(filter, waitingForApproval, p);
        var bound = (long)skip + take + CountBeyondPage;
        p.Add("take", take);
        p.Add("skip", skip);
        p.Add("bound", bound);
        await using var c = await database.OpenAsync(ct);
        var total = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM (SELECT 1 FROM wf_runs" + where + " LIMIT @bound) matching", p);
        var rows = await c.QueryAsync<RunRow>("SELECT * FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take OFFSET @skip", p);
        return (total, total < bound, rows.ToList());
    }

    /// <summary>Reads the ids of the runs matching a filter (its paging ignored), newest first, at most <paramref name="max"/>.</summary>
    public async Task<List<string>> IdsAsync(RunFilter filter, IReadOnlyCollection<string>? waitingForApproval, int max, CancellationToken ct)
    {
        var p = new DynamicParameters();
        var where = Where(filter, waitingForApproval, p);
        p.Add("take", max);
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<string>("SELECT id FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take", p)).ToList();
    }

    /// <summary>Reads every attempt of a run, by step and number.</summary>
    public async Task<List<AttemptRow>> AttemptsAsync(string runId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<AttemptRow>("SELECT * FROM wf_attempts WHERE run_id = @runId ORDER BY step_id, number", new { runId })).ToList();
    }

    /// <summary>Reads a run's audit events after <paramref name="afterId"/>, oldest first, at most <paramref name="max"/>.</summary>
    public async Task<List<AuditRow>> AuditAsync(string runId, long afterId, int max, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<AuditRow>("SELECT * FROM wf_audit WHERE run_id = @runId AND id > @afterId ORDER BY id LIMIT @max", new { runId, afterId, max })).ToList();
    }

    /// <summary>Reads a run's log chunks after <paramref name="after"/> (of one step, or all when null), oldest first, at most <paramref name="max"/>.</summary>
    public async Task<List<LogRow>> LogsAsync(string runId, long after, string? stepId, int max, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<LogRow>(
            "SELECT * FROM wf_logs WHERE run_id = @runId AND id > @after AND (@stepId IS NULL OR step_id = @stepId) ORDER BY id LIMIT @max",
            new { runId, after, stepId, max })).ToList();
    }

    /// <summary>Reads ledger entries, newest first, at most 2,000.</summary>
    public async Task<List<ResourceRow>> ResourcesAsync(ResourceFilter filter, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT r.* FROM wf_resources r JOIN wf_runs u ON u.id = r.run_id WHERE 1=1");
        if (filter.RunId is not null)
        {
            sql.Append(" AND r.run_id = @runId");
        }

        if (filter.Kind is not null)
        {
            sql.Append(" AND r.kind = @kind");
        }

        if (filter.OrphansOnly)
        {
            sql.Append(" AND r.deleted_at IS NULL");
        }
        else if (filter.DeletedReason is not null)
        {
            // Every deletion writes its reason, and migration 11 gave one to every row deleted before it.
            sql.Append(" AND r.deleted_reason = @deletedReason");
        }
        else if (!filter.IncludeDeleted)
        {
            sql.Append(" AND r.deleted_at IS NULL");
        }

        if (filter.OrphansOnly)
        {
            sql.Append(" AND u.status IN ('Failed', 'Cancelled')");
        }

        sql.Append(" ORDER BY r.id DESC LIMIT 2000");
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<ResourceRow>(sql.ToString(), new { runId = filter.RunId?.ToString(), kind = filter.Kind, deletedReason = filter.DeletedReason?.ToString() })).ToList();
    }

    /// <summary>
    /// Reads the undecided steps (Waiting, or Running on a poll after the first, no signal) of Running runs — among
    /// <paramref name="runIds"/>, or all when null; of one step when <paramref name="stepId"/> is given. Which of them are
    /// approvals only the run's definition version knows, so the caller filters. A step on its first execution (Running,
    /// no state yet) has not asked anybody anything: its message is not evaluated yet, so it is not listed (the run was
    /// shown waiting for an approval with the fallback message "Approve to continue" in that window).
    /// </summary>
    public async Task<List<UndecidedStepRow>> UndecidedStepsAsync(IReadOnlyCollection<string>? runIds, string? stepId, CancellationToken ct)
    {
        if (runIds is { Count: 0 })
        {
            return [];
        }

        var sql = """
            SELECT r.id AS RunId, r.workflow AS Workflow, r.version AS Version, r.trigger_kind AS TriggerKind, r.trigger_actor AS TriggerActor,
                   r.created_at AS CreatedAt, s.step_id AS StepId, s.attempt AS Attempt, s.state AS State, s.started_at AS StartedAt
            FROM wf_runs r JOIN wf_steps s ON s.run_id = r.id
            WHERE r.status = 'Running' AND s.kind = 'step' AND (s.status = 'Waiting' OR (s.status = 'Running' AND s.state IS NOT NULL)) AND s.signal IS NULL
            """;
        if (runIds is not null)
        {
            sql += $" AND {In("r.id", "runIds")}";
        }

        if (stepId is not null)
        {
            sql += " AND s.step_id = @stepId";
        }

        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<UndecidedStepRow>(sql, new { runIds = runIds?.ToArray(), stepId })).ToList();
    }

    /// <summary>Reads the approval decisions of some runs.</summary>
    public async Task<List<ApprovalRow>> ApprovalsAsync(IReadOnlyCollection<string> runIds, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return [];
        }

        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<ApprovalRow>($"SELECT * FROM wf_approvals WHERE {In("run_id", "ids")}", new { ids = runIds.ToArray() })).ToList();
    }

    /// <summary>Reads which run holds a concurrency key, or null when it is free.</summary>
    public async Task<string?> ConcurrencyHolderAsync(string key, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<string?>("SELECT run_id FROM wf_concurrency WHERE key = @key", new { key });
    }

    /// <summary>Reads the engine's gauges at <paramref name="now"/> (Unix ms): indexed counts, for the metrics scrape.</summary>
    /// <remarks>
    /// One statement (one snapshot), no work per waiting run: a waiting run is a Running run with an active step
    /// (<c>steps_active</c>, kept by every commit) none of which is scheduled or running. So the count is the Running
    /// runs (<c>wf_run_counts</c> and the changes not folded into it yet: call <see cref="RunStore.FoldRunCountsAsync"/>
    /// first to keep those few), less those without an active step (the sweeper's partial index <c>ix_wf_runs_idle</c>:
    /// only stalled runs; the statement repeats that index's predicate, status IN ('Running', 'Compensating', 'Cancelling'), so
    /// the planner may use it, then keeps the Running ones), less those with a scheduled or running step (in-flight work, bounded by the queue and the
    /// workers). The ready steps are read from the two partial indexes of due work.
    /// </remarks>
    public async Task<EngineGaugeRow> GaugesAsync(long now, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var idle = database.Kind == DatabaseKind.Postgres ? "NOT steps_active" : "steps_active = 0";
        var g = await c.QuerySingleAsync<(long Waiting, long Queued, long Ready, long? OldestScheduled, long? OldestDue)>(
            $"""
            SELECT
              (SELECT running FROM wf_run_counts WHERE id = 1) + (SELECT COALESCE(SUM(delta), 0) FROM wf_run_count_changes)
              - (SELECT COUNT(*) FROM wf_runs WHERE status IN ('Running', 'Compensating', 'Cancelling') AND {idle} AND status = 'Running')
              - (SELECT COUNT(*) FROM wf_runs r WHERE r.status = 'Running' AND r.id IN (SELECT s.run_id FROM wf_steps s WHERE s.status IN ('Scheduled', 'Running')))
                AS waiting,
              (SELECT COUNT(*) FROM wf_runs WHERE status = 'Queued') AS queued,
              (SELECT COUNT(*) FROM wf_steps WHERE status = 'Scheduled')
              + (SELECT COUNT(*) FROM wf_steps WHERE status = 'Waiting' AND next_poll_at <= @now) AS ready,
              (SELECT MIN(COALESCE(dispatched_at, @now)) FROM wf_steps WHERE status = 'Scheduled') AS oldest_scheduled,
              (SELECT MIN(next_poll_at) FROM wf_steps WHERE status = 'Waiting' AND next_poll_at <= @now) AS oldest_due
            """,
            new { now });
        var oldest = g.OldestScheduled is { } a && g.OldestDue is { } b ? Math.Min(a, b) : g.OldestScheduled ?? g.OldestDue;
        return new EngineGaugeRow(g.Waiting, g.Queued, g.Ready, oldest);
    }

    /// <summary><c>column IN (values)</c> for a <c>string[]</c> parameter: an array on PostgreSQL, expanded by Dapper on SQLite.</summary>
    private string In(string column, string parameter, bool not = false) =>
        database.Kind == DatabaseKind.Postgres
            ? (not ? $"{column} <> ALL(@{parameter})" : $"{column} = ANY(@{parameter})")
            : $"{column} {(not ? "NOT IN" : "IN")} @{parameter}";

    /// <summary>
    /// The WHERE clause of a filter: one rule for the runs list and for bulk operations. WaitingForApproval is derived:
    /// the Running runs with an undecided approval step; Running then means the other Running runs.
    /// </summary>
    private StringBuilder Where(RunFilter filter, IReadOnlyCollection<string>? waitingForApproval, DynamicParameters p)
    {
        var where = new StringBuilder(" WHERE 1=1");
        if (filter.Statuses is { Count: > 0 } statuses)
        {
            var stored = statuses.Where(s => s is not (RunStatus.Running or RunStatus.WaitingForApproval)).ToList();
            var names = stored.Select((s, i) => (Name: $"s{i}", Value: s.ToString())).ToList();
            var any = new List<string>();
            if (names.Count > 0)
            {
                any.Add($"status IN ({string.Join(", ", names.Select(n => "@" + n.Name))})");
            }

            foreach (var (name, value) in names)
            {
                p.Add(name, value);
            }

            var running = statuses.Contains(RunStatus.Running);
            var approval = statuses.Contains(RunStatus.WaitingForApproval);
            if (running && approval)
            {
                any.Add("status = 'Running'");
            }
            else if (running || approval)
            {
                var waiting = (waitingForApproval ?? throw new ArgumentNullException(nameof(waitingForApproval), "This filter needs the runs waiting for an approval (NeedsWaitingForApproval).")).ToArray();
                p.Add("waitingForApproval", waiting);
                any.Add(running
                    ? (waiting.Length == 0 ? "status = 'Running'" : $"(status = 'Running' AND {In("id", "waitingForApproval", not: true)})")
                    : (waiting.Length == 0 ? "1=0" : In("id", "waitingForApproval")));
            }

            where.Append($" AND ({string.Join(" OR ", any)})");
        }

        if (filter.Workflow is { } wf)
        {
            where.Append(" AND workflow = @wf");
            p.Add("wf", wf);
        }

        if (filter.TriggerKind is { } tk)
        {
            where.Append(" AND trigger_kind = @tk");
            p.Add("tk", tk.ToString());
        }

        if (filter.From is { } from)
        {
            where.Append(" AND created_at >= @from");
            p.Add("from", from.ToUnixTimeMilliseconds());
        }

        if (filter.To is { } to)
        {
            where.Append(" AND created_at <= @to");
            p.Add("to", to.ToUnixTimeMilliseconds());
        }

        if (!string.IsNullOrWhiteSpace(filter.IdPrefix))
        {
            where.Append(@" AND id LIKE @idPrefix ESCAPE '\'");
            p.Add("idPrefix", EscapeLike(filter.IdPrefix.Trim().ToLowerInvariant()) + "%");
        }

        if (!string.IsNullOrWhiteSpace(filter.Query))
        {
            // LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not. Secret inputs are stored
            // as ciphertext markers, so their values can never be found this way.
            var q = EscapeLike(filter.Query.Trim().ToLowerInvariant());
            where.Append(@" AND (id LIKE @qPrefix ESCAPE '\' OR LOWER(workflow) LIKE @q ESCAPE '\' OR LOWER(trigger_actor) LIKE @q ESCAPE '\'"
                + @" OR LOWER(COALESCE(error, '')) LIKE @q ESCAPE '\' OR LOWER(COALESCE(failed_step, '')) LIKE @q ESCAPE '\' OR LOWER(inputs) LIKE @q ESCAPE '\')");
            p.Add("qPrefix", q + "%");
            p.Add("q", "%" + q + "%");
        }

        return where;
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>An undecided step of a Running run, with what the approvals inbox shows of its run.</summary>
public sealed class UndecidedStepRow
{
    public string RunId { get; set; } = "";

    public string Workflow { get; set; } = "";

    public string Version { get; set; } = "";

    public string TriggerKind { get; set; } = "";

    public string TriggerActor { get; set; } = "";

    public long CreatedAt { get; set; }

    public string StepId { get; set; } = "";

    public int Attempt { get; set; }

    public string? State { get; set; }

    public long? StartedAt { get; set; }
}

/// <summary>The engine's gauges as read: runs waiting, runs queued behind a key, steps ready and the oldest ready one (Unix ms).</summary>
public sealed record EngineGaugeRow(long Waiting, long Queued, long Ready, long? OldestReadyAt);
