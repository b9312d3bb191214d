using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Tests.Testing;

/// <summary>A catalog holding the definitions a test gives it.</summary>
public sealed class FakeWorkflowCatalog : IWorkflowCatalog
{
    public List<WorkflowDefinition> Definitions { get; } = [];

    public List<DefinitionError> LoadErrors { get; } = [];

    public IReadOnlyList<DefinitionError> Errors => LoadErrors;

    public IReadOnlyList<ActionDescriptor> Actions => [];

    public IReadOnlyList<WorkflowDefinition> List() => Definitions.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    public WorkflowDefinition? Get(string name) => Definitions.FirstOrDefault(d => d.Name == name);
}

/// <summary>Queries over runs, audit events, log chunks and resources a test puts in.</summary>
public sealed class FakeRunQueries : IRunQueries
{
    public Dictionary<Guid, RunDetail> Runs { get; } = [];

    public List<AuditEvent> Audit { get; } = [];

    public List<LogChunk> Logs { get; } = [];

    public List<ResourceEntry> Resources { get; } = [];

    public List<RunFilter> ListCalls { get; } = [];

    /// <summary>Gets or sets the total the runs list reports instead of its count (a bounded count: exact false), or null.</summary>
    public (int Total, bool Exact)? ReportedTotal { get; set; }

    public List<(long After, string? StepId)> LogCalls { get; } = [];

    public Task<PageOf<RunSummary>> ListAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        ListCalls.Add(filter);
        var all = Runs.Values.Select(r => r.Run)
            .Where(r => filter.Workflow is null || r.Workflow == filter.Workflow)
            .Where(r => filter.Statuses is null || filter.Statuses.Contains(r.Status))
            .Where(r => filter.TriggerKind is null || r.Trigger.Kind == filter.TriggerKind)
            .Where(r => filter.IdPrefix is null || r.Id.ToString().StartsWith(filter.IdPrefix, StringComparison.OrdinalIgnoreCase))
            .Where(r => filter.Query is null || r.Id.ToString().StartsWith(filter.Query, StringComparison.OrdinalIgnoreCase)
                || r.Workflow.Contains(filter.Query, StringComparison.OrdinalIgnoreCase) || r.Trigger.Actor.Contains(filter.Query, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => r.CreatedAt)
            .ToList();
        var page = all.Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToList();
        return Task.FromResult(ReportedTotal is var (total, exact)
            ? new PageOf<RunSummary>(page, total, filter.Page, filter.PageSize, exact)
            : new PageOf<RunSummary>(page, all.Count, filter.Page, filter.PageSize));
    }

    public Task<RunDetail?> GetAsync(Guid runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Runs.GetValueOrDefault(runId));

    public Task<IReadOnlyList<AuditEvent>> GetAuditAsync(Guid runId, long afterId = 0, int max = 1000, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditEvent>>(Audit.Where(a => a.RunId == runId && a.Id > afterId).Take(max).ToList());

    public Task<LogSlice> GetLogsAsync(Guid runId, long after = 0, string? stepId = null, int max = 500, CancellationToken cancellationToken = default)
    {
        LogCalls.Add((after, stepId));
        var chunks = Logs.Where(c => c.Seq > after && (stepId is null || c.StepId == stepId)).OrderBy(c => c.Seq).Take(max).ToList();
        return Task.FromResult(new LogSlice(chunks, chunks.Count > 0 ? chunks[^1].Seq : after));
    }

    /// <summary>Gets the filters the ledger was read with, oldest first.</summary>
    public List<ResourceFilter> ResourceFilters { get; } = [];

    public Task<IReadOnlyList<ResourceEntry>> GetResourcesAsync(ResourceFilter filter, CancellationToken cancellationToken = default)
    {
        ResourceFilters.Add(filter);
        return Task.FromResult<IReadOnlyList<ResourceEntry>>(Resources
            .Where(r => filter.RunId is null || r.RunId == filter.RunId)
            .Where(r => filter.DeletedReason is null || r.DeletedReason == filter.DeletedReason)
            .ToList());
    }
}

/// <summary>Records the commands the portal sends; a test may make StartAsync fail.</summary>
public sealed class FakeRunCommands : IRunCommands
{
    public List<StartRunRequest> Started { get; } = [];

    public List<(Guid RunId, string Actor)> Cancelled { get; } = [];

    public List<(Guid RunId, RetryRequest Request)> Retried { get; } = [];

    public List<(Guid RunId, string StepId, ApprovalDecision Decision)> Decisions { get; } = [];

    public Exception? StartFailure { get; set; }

    public Guid NextRunId { get; set; } = Guid.NewGuid();

    public Task<RunSummary> StartAsync(StartRunRequest request, CancellationToken cancellationToken = default)
    {
        if (StartFailure is not null)
        {
            return Task.FromException<RunSummary>(StartFailure);
        }

        Started.Add(request);
        return Task.FromResult(TestData.Summary(NextRunId, request.Workflow, RunStatus.Running));
    }

    public Task CancelAsync(Guid runId, string actor, string? reason = null, CancellationToken cancellationToken = default)
    {
        Cancelled.Add((runId, actor));
        return Task.CompletedTask;
    }

    public Task<RunSummary> RetryAsync(Guid runId, RetryRequest request, CancellationToken cancellationToken = default)
    {
        Retried.Add((runId, request));
        return Task.FromResult(TestData.Summary(runId, "wf", RunStatus.Running));
    }

    public Task DecideAsync(Guid runId, string stepId, ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        Decisions.Add((runId, stepId, decision));
        return Task.CompletedTask;
    }
}

/// <summary>Notifications a test raises by hand.</summary>
public sealed class FakeRunNotifications : IRunNotifications
{
    private readonly List<(Guid? RunId, Action<RunNotification> Handler)> subscribers = [];

    public int SubscriberCount => subscribers.Count;

    public IDisposable Subscribe(Guid? runId, Action<RunNotification> handler)
    {
        var entry = (runId, handler);
        subscribers.Add(entry);
        return new Unsubscriber(() => subscribers.Remove(entry));
    }

    public void Raise(RunNotification notification)
    {
        foreach (var (runId, handler) in subscribers.ToList())
        {
            if (runId is null || runId == notification.RunId)
            {
                handler(notification);
            }
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>A fixed list of clouds.</summary>
public sealed class FakeCloudCatalog : ICloudCatalog
{
    public List<CloudInfo> Clouds { get; } = [new("sandbox", "http://127.0.0.1:5000/identity/v3", "RegionOne", "password", "sandbox")];

    public IReadOnlyList<CloudInfo> List() => Clouds;

    public Task RegisterAsync(CloudRegistration registration, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
