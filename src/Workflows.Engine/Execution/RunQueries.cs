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
    /// <inheritdoc />
    public async Task<PageOf<RunSummary>> ListAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        var page = Math.Max(1, filter.Page);
        var size = Math.Clamp(filter.PageSize, 1, 500);
        var p = new DynamicParameters();
        var where = Where(filter, p);
        p.Add("take", size);
        p.Add("skip", (page - 1) * size);
        return await store.QueryAsync(
            async c =>
            {
                var total = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_runs" + where, p);
                var rows = await c.QueryAsync<RunRow>("SELECT * FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take OFFSET @skip", p);
                return new PageOf<RunSummary>(rows.Select(ToSummary).ToList(), (int)total, page, size);
            },
            cancellationToken);
    }

    /// <summary>Returns the ids of the runs matching a filter (its paging ignored), newest first, at most <paramref name="max"/>.</summary>
    internal async Task<IReadOnlyList<Guid>> ListIdsAsync(RunFilter filter, int max, CancellationToken cancellationToken)
    {
        var p = new DynamicParameters();
        var where = Where(filter, p);
        p.Add("take", max);
        return await store.QueryAsync(
            async c => (await c.QueryAsync<string>("SELECT id FROM wf_runs" + where + " ORDER BY created_at DESC, id LIMIT @take", p)).Select(Guid.Parse).ToList(),
            cancellationToken);
    }

    /// <summary>The WHERE clause of a filter: one rule for the runs list and for bulk operations.</summary>
    private static StringBuilder Where(RunFilter filter, DynamicParameters p)
    {
        var where = new StringBuilder(" WHERE 1=1");
        if (filter.Statuses is { Count: > 0 } statuses)
        {
            var names = statuses.Select((s, i) => (Name: $"s{i}", Value: s.ToString())).ToList();
            where.Append($" AND status IN ({string.Join(", ", names.Select(n => "@" + n.Name))})");
            foreach (var (name, value) in names)
            {
                p.Add(name, value);
            }
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

        return where;
    }

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
        return new RunDetail(ToSummary(l.Run), inputs.ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone()), steps);
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
