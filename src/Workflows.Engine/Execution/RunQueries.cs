using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>Read models over runs for the API and the portal. Secrets are always masked.</summary>
public sealed class RunQueries(RunStore store, WorkflowCatalog catalog) : IRunQueries
{
    private readonly ApprovalQueries approvals = new(store, catalog);

    /// <inheritdoc />
    public async Task<PageOf<RunSummary>> ListAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        var page = Math.Max(1, filter.Page);
        var size = Math.Clamp(filter.PageSize, 1, 500);
        var p = new DynamicParameters();
        var where = await WhereAsync(filter, p, cancellationToken);
        p.Add("take", size);
        p.Add("skip", (page - 1) * size);
        var result = await store.QueryAsync(
            async c =>
            {
                var total = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_runs" + where, p);
                var rows = await c.QueryAsync<RunRow>("SELECT * FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take OFFSET @skip", p);
                return new PageOf<RunSummary>(rows.Select(ToSummary).ToList(), (int)total, page, size);
            },
            cancellationToken);
        var running = result.Items.Where(r => r.Status == RunStatus.Running).Select(r => r.Id.ToString()).ToList();
        if (running.Count == 0)
        {
            return result;
        }

        var waiting = await approvals.WaitingRunIdsAsync(running, cancellationToken);
        return result with { Items = result.Items.Select(r => waiting.Contains(r.Id.ToString()) ? r with { Status = RunStatus.WaitingForApproval } : r).ToList() };
    }

    /// <summary>Returns the ids of the runs matching a filter (its paging ignored), newest first, at most <paramref name="max"/>.</summary>
    internal async Task<IReadOnlyList<Guid>> ListIdsAsync(RunFilter filter, int max, CancellationToken cancellationToken)
    {
        var p = new DynamicParameters();
        var where = await WhereAsync(filter, p, cancellationToken);
        p.Add("take", max);
        return await store.QueryAsync(
            async c => (await c.QueryAsync<string>("SELECT id FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take", p)).Select(Guid.Parse).ToList(),
            cancellationToken);
    }

    /// <summary>
    /// The WHERE clause of a filter: one rule for the runs list and for bulk operations. WaitingForApproval is derived:
    /// the Running runs with an undecided approval step; Running then means the other Running runs.
    /// </summary>
    private async Task<StringBuilder> WhereAsync(RunFilter filter, DynamicParameters p, CancellationToken ct)
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
                var waiting = (await approvals.WaitingRunIdsAsync(null, ct)).ToArray();
                p.Add("waitingForApproval", waiting);
                any.Add(running
                    ? (waiting.Length == 0 ? "status = 'Running'" : $"(status = 'Running' AND {ApprovalQueries.In(store, "id", "waitingForApproval", not: true)})")
                    : (waiting.Length == 0 ? "1=0" : ApprovalQueries.In(store, "id", "waitingForApproval")));
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

    /// <inheritdoc />
    public async Task<RunDetail?> GetAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        var id = runId.ToString();
        var loaded = await store.LoadAsync(id, cancellationToken);
        if (loaded is not { } l)
        {
            return null;
        }

        var attempts = (await store.QueryAsync(c => c.QueryAsync<AttemptRow>("SELECT * FROM wf_attempts WHERE run_id = @id ORDER BY step_id, number", new { id }), cancellationToken))
            .GroupBy(a => a.StepId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var def = await catalog.GetVersionAsync(l.Run.Version, cancellationToken);
        var steps = l.Steps.OrderBy(s => s.Position).Select(s => ToView(s, def, attempts.GetValueOrDefault(s.StepId) ?? [])).ToList();
        var inputs = SecretCodec.MaskStored(l.Run.Inputs) as JsonObject ?? [];
        var summary = ToSummary(l.Run);
        if (summary.Status == RunStatus.Running && (await approvals.WaitingRunIdsAsync([id], cancellationToken)).Count > 0)
        {
            summary = summary with { Status = RunStatus.WaitingForApproval };
        }

        return new RunDetail(summary, inputs.ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone()), steps);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEvent>> GetAuditAsync(Guid runId, long afterId = 0, int max = 1000, CancellationToken cancellationToken = default)
    {
        var id = runId.ToString();
        var rows = await store.QueryAsync(c => c.QueryAsync<AuditRow>("SELECT * FROM wf_audit WHERE run_id = @id AND id > @afterId ORDER BY id LIMIT @max", new { id, afterId, max = Math.Clamp(max, 1, 5000) }), cancellationToken);
        return rows.Select(a => new AuditEvent(a.Id, runId, DateTimeOffset.FromUnixTimeMilliseconds(a.At), a.Kind, a.Actor, a.StepId, a.Message, SecretCodec.MaskStored(a.Data))).ToList();
    }

    /// <inheritdoc />
    public async Task<LogSlice> GetLogsAsync(Guid runId, long after = 0, string? stepId = null, int max = 500, CancellationToken cancellationToken = default)
    {
        var id = runId.ToString();
        var rows = (await store.QueryAsync(
            c => c.QueryAsync<LogRow>(
                "SELECT * FROM wf_logs WHERE run_id = @id AND id > @after AND (@stepId IS NULL OR step_id = @stepId) ORDER BY id LIMIT @max",
                new { id, after, stepId, max = Math.Clamp(max, 1, 5000) }),
            cancellationToken)).ToList();
        return new LogSlice(rows.Select(r => new LogChunk(r.Id, r.StepId, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Text)).ToList(), rows.Count == 0 ? after : rows[^1].Id);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResourceEntry>> GetResourcesAsync(ResourceFilter filter, CancellationToken cancellationToken = default)
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

        if (!filter.IncludeDeleted || filter.OrphansOnly)
        {
            sql.Append(" AND r.deleted_at IS NULL");
        }

        if (filter.OrphansOnly)
        {
            sql.Append(" AND u.status IN ('Failed', 'Cancelled')");
        }

        sql.Append(" ORDER BY r.id DESC LIMIT 2000");
        var rows = await store.QueryAsync(c => c.QueryAsync<ResourceRow>(sql.ToString(), new { runId = filter.RunId?.ToString(), filter.Kind }), cancellationToken);
        return rows.Select(ResourceMapping.ToEntry).ToList();
    }

    internal static RunSummary ToSummary(RunRow r) => new()
    {
        Id = Guid.Parse(r.Id),
        Workflow = r.Workflow,
        Version = r.Version,
        Status = r.Status,
        Trigger = new TriggerInfo(Enum.Parse<TriggerKind>(r.TriggerKind), r.TriggerActor, r.TriggerRef),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        StartedAt = r.StartedAt is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s) : null,
        FinishedAt = r.FinishedAt is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null,
        ConcurrencyKey = r.ConcurrencyKey,
        QueuedBehind = r.QueuedBehind is { } q ? Guid.Parse(q) : null,
        Error = r.Error,
        FailedStep = r.FailedStep,
    };

    private static StepView ToView(StepRow s, WorkflowDefinition? def, List<AttemptRow> attempts)
    {
        var isComp = s.Kind == StepKinds.Compensation;
        var sd = def?.FindStep(isComp ? s.StepId[StepKinds.CompensationPrefix.Length..] : s.StepId);
        var retry = isComp ? sd?.Compensate?.Retry : sd?.Retry;
        return new StepView
        {
            StepId = s.StepId,
            IsCompensation = isComp,
            Uses = (isComp ? sd?.Compensate?.Uses : sd?.Uses) ?? "?",
            Needs = isComp ? [] : sd?.Needs ?? [],
            Status = s.Status,
            Attempt = s.Attempt - s.AttemptBase,
            MaxAttempts = retry?.MaxAttempts ?? 1,
            Progress = s.Progress,
            StartedAt = Ms(s.StartedAt),
            FinishedAt = Ms(s.FinishedAt),
            NextPollAt = s.Status == StepStatus.Waiting ? Ms(s.NextPollAt) : null,
            Deadline = Ms(s.DeadlineAt),
            Outputs = SecretCodec.MaskStored(s.Outputs),
            ErrorCode = s.ErrorCode,
            ErrorMessage = s.ErrorMessage,
            Attempts = attempts.Select(a => new AttemptView(a.Number, a.Status, DateTimeOffset.FromUnixTimeMilliseconds(a.StartedAt), Ms(a.FinishedAt), a.Polls, a.ErrorCode, a.ErrorMessage, SecretCodec.MaskStored(a.Outputs))).ToList(),
        };
    }

    private static DateTimeOffset? Ms(long? v) => v is { } x ? DateTimeOffset.FromUnixTimeMilliseconds(x) : null;
}
