using System.Text.Json.Nodes;
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
        var (total, exact, rows) = await store.ReadModel.PageAsync(filter, await WaitingForApprovalAsync(filter, cancellationToken), size, (page - 1) * size, cancellationToken);
        var result = new PageOf<RunSummary>(rows.Select(ToSummary).ToList(), (int)total, page, size, exact);
        var running = result.Items.Where(r => r.Status == RunStatus.Running).Select(r => r.Id.ToString()).ToList();
        if (running.Count == 0)
        {
            return result;
        }

        var waiting = await approvals.WaitingRunIdsAsync(running, cancellationToken);
        return result with { Items = result.Items.Select(r => waiting.Contains(r.Id.ToString()) ? r with { Status = RunStatus.WaitingForApproval } : r).ToList() };
    }

    /// <summary>Returns the ids of the runs matching a filter (its paging ignored), newest first, at most <paramref name="max"/>.</summary>
    internal async Task<IReadOnlyList<Guid>> ListIdsAsync(RunFilter filter, int max, CancellationToken cancellationToken) =>
        (await store.ReadModel.IdsAsync(filter, await WaitingForApprovalAsync(filter, cancellationToken), max, cancellationToken)).Select(Guid.Parse).ToList();

    /// <summary>The runs waiting for an approval, when the filter splits Running by them (WaitingForApproval is derived).</summary>
    private async Task<IReadOnlyCollection<string>?> WaitingForApprovalAsync(RunFilter filter, CancellationToken ct) =>
        RunReadModel.NeedsWaitingForApproval(filter) ? await approvals.WaitingRunIdsAsync(null, ct) : null;

    /// <inheritdoc />
    public async Task<RunDetail?> GetAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        var id = runId.ToString();
        var loaded = await store.LoadAsync(id, cancellationToken);
        if (loaded is not { } l)
        {
            return null;
        }

        var attempts = (await store.ReadModel.AttemptsAsync(id, cancellationToken))
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
        var rows = await store.ReadModel.AuditAsync(id, afterId, Math.Clamp(max, 1, 5000), cancellationToken);
        return rows.Select(a => new AuditEvent(a.Id, runId, DateTimeOffset.FromUnixTimeMilliseconds(a.At), a.Kind, a.Actor, a.StepId, a.Message, SecretCodec.MaskStored(a.Data))).ToList();
    }

    /// <inheritdoc />
    public async Task<LogSlice> GetLogsAsync(Guid runId, long after = 0, string? stepId = null, int max = 500, CancellationToken cancellationToken = default)
    {
        var id = runId.ToString();
        var rows = await store.ReadModel.LogsAsync(id, after, stepId, Math.Clamp(max, 1, 5000), cancellationToken);
        return new LogSlice(rows.Select(r => new LogChunk(r.Id, r.StepId, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Text)).ToList(), rows.Count == 0 ? after : rows[^1].Id);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResourceEntry>> GetResourcesAsync(ResourceFilter filter, CancellationToken cancellationToken = default) =>
        (await store.ReadModel.ResourcesAsync(filter, cancellationToken)).Select(ResourceMapping.ToEntry).ToList();

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
            Attempts = attempts.Select(a => new AttemptView(a.Number, a.Status, DateTimeOffset.FromUnixTimeMilliseconds(a.StartedAt), Ms(a.FinishedAt), a.Polls, a.ErrorCode, a.ErrorMessage, SecretCodec.MaskStored(a.Outputs), SecretCodec.MaskStored(a.Inputs) as JsonObject)).ToList(),
        };
    }

    private static DateTimeOffset? Ms(long? v) => v is { } x ? DateTimeOffset.FromUnixTimeMilliseconds(x) : null;
}
