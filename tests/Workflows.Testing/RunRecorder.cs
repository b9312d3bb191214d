using System.Collections.Concurrent;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Testing;

/// <summary>
/// The log, audit and resource ledger of one test run, shared by its steps, in memory. Like the engine's, the log and the
/// audit pass through the run's <see cref="Redactor"/>: a secret input never reaches what is recorded.
/// </summary>
public sealed class RunRecorder : IStepLog, IStepAudit, IResourceLedger
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly StringBuilder text = new();
    private readonly ConcurrentQueue<ExternalCall> calls = new();
    private readonly ConcurrentQueue<(string Kind, string Message)> events = new();
    private readonly ConcurrentQueue<string> auditEntries = new();
    private readonly ConcurrentQueue<ResourceRecord> recorded = new();
    private readonly ConcurrentQueue<string> deleted = new();
    private readonly ConcurrentDictionary<(string Kind, string Id), ResourceEntry> resources = new();

    /// <summary>Creates a recorder.</summary>
    /// <param name="runId">The run the ledger's entries belong to.</param>
    /// <param name="clock">The clock of the entries' times; the system clock when null.</param>
    public RunRecorder(Guid? runId = null, TimeProvider? clock = null)
    {
        RunId = runId ?? Guid.Empty;
        Clock = clock ?? TimeProvider.System;
    }

    /// <summary>Gets the run the ledger's entries belong to.</summary>
    public Guid RunId { get; }

    /// <summary>Gets or sets the clock of the ledger's entries.</summary>
    public TimeProvider Clock { get; set; }

    /// <summary>Gets the redactor applied to the log and the audit (the kit adds the secret inputs of every context it makes).</summary>
    public Redactor Redactor { get; } = new();

    /// <summary>Gets every piece of log text written, one entry per <see cref="IStepLog.WriteLine"/> or <see cref="IStepLog.Write"/>, redacted.</summary>
    public IReadOnlyList<string> Lines => [.. lines];

    /// <summary>Gets the whole log as text (a line feed after each <see cref="IStepLog.WriteLine"/>), redacted.</summary>
    public string Text
    {
        get
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }

    /// <summary>Gets the external calls recorded, endpoint and error redacted.</summary>
    public IReadOnlyList<ExternalCall> Calls => [.. calls];

    /// <summary>Gets the notable events recorded, message redacted.</summary>
    public IReadOnlyList<(string Kind, string Message)> Events => [.. events];

    /// <summary>Gets every audit entry (calls and events) as text in the order recorded.</summary>
    public IReadOnlyList<string> AuditEntries => [.. auditEntries];

    /// <summary>Gets the whole audit as text, one entry a line (to search for a leaked secret).</summary>
    public string AuditText => string.Join('\n', auditEntries);

    /// <summary>Gets every <see cref="IResourceLedger.RecordAsync"/> call, in order.</summary>
    public IReadOnlyList<ResourceRecord> Recorded => [.. recorded];

    /// <summary>Gets every <see cref="IResourceLedger.MarkDeletedAsync"/> call as <c>kind:externalId</c>, in order.</summary>
    public IReadOnlyList<string> Deleted => [.. deleted];

    /// <summary>Gets the ledger as the engine keeps it: one entry per (kind, external id), deleted ones with their time.</summary>
    public IReadOnlyList<ResourceEntry> ResourceEntries => [.. resources.Values];

    /// <inheritdoc />
    public void WriteLine(string line)
    {
        var clean = Redactor.Redact(line);
        lines.Enqueue(clean);
        lock (text)
        {
            text.Append(clean).Append('\n');
        }
    }

    /// <inheritdoc />
    public void Write(string text)
    {
        var clean = Redactor.Redact(text);
        lines.Enqueue(clean);
        lock (this.text)
        {
            this.text.Append(clean);
        }
    }

    /// <inheritdoc />
    public void RecordCall(ExternalCall call)
    {
        var clean = call with { Endpoint = Redactor.Redact(call.Endpoint), Error = call.Error is null ? null : Redactor.Redact(call.Error) };
        calls.Enqueue(clean);
        auditEntries.Enqueue(clean.ToString());
    }

    /// <inheritdoc />
    public void Record(string kind, string message)
    {
        var clean = Redactor.Redact(message);
        events.Enqueue((kind, clean));
        auditEntries.Enqueue($"{kind}: {clean}");
    }

    /// <inheritdoc />
    public Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        recorded.Enqueue(resource);
        resources.AddOrUpdate(
            (resource.Kind, resource.ExternalId),
            _ => new ResourceEntry(RunId, "step", resource.Kind, resource.ExternalId, resource.Name, resource.Provider, resource.Properties ?? new Dictionary<string, string>(), Clock.GetUtcNow(), null),
            (_, e) => e with { Name = resource.Name ?? e.Name, Properties = resource.Properties ?? e.Properties });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default)
    {
        deleted.Enqueue($"{kind}:{externalId}");
        if (resources.TryGetValue((kind, externalId), out var e))
        {
            resources[(kind, externalId)] = e with { DeletedAt = Clock.GetUtcNow(), DeletedReason = ResourceDeletedReason.Deleted };
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResourceEntry>>([.. resources.Values.Where(e => e.RunId == RunId)]);

    /// <inheritdoc />
    public Task<IReadOnlyList<ResourceEntry>> FindLiveAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResourceEntry>>(
            resources.TryGetValue((kind, externalId), out var e) && e.DeletedAt is null && (provider is null || e.Provider == provider) ? [e] : []);

    /// <summary>
    /// Puts an entry in the ledger as another run (or an older version of an action) recorded it: like the engine's, the
    /// ledger is shared by all runs, so <see cref="FindLiveAsync"/> and <see cref="MarkDeletedAsync"/> see it, and
    /// <see cref="ListForRunAsync"/> lists it only when it is this run's.
    /// </summary>
    /// <param name="entry">The entry; it replaces one of the same kind and external id.</param>
    public void AddEntry(ResourceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        resources[(entry.Kind, entry.ExternalId)] = entry;
    }
}
