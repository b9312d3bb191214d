using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>The engine's <see cref="StepContext"/>: one per execution of an action.</summary>
internal sealed class EngineStepContext : StepContext
{
    private readonly JsonObject inputs;
    private readonly StepBuffer buffer;

    public EngineStepContext(
        RunRow run,
        StepRow step,
        string idempotencyKey,
        JsonObject inputs,
        StepBuffer buffer,
        IResourceLedger ledger,
        IServiceProvider services,
        TimeProvider clock,
        CompensationTarget? compensating,
        CancellationToken token)
    {
        RunId = Guid.Parse(run.Id);
        WorkflowName = run.Workflow;
        StepId = step.StepId;
        IdempotencyKey = idempotencyKey;
        Attempt = step.Attempt - step.AttemptBase;
        PollCount = step.PollCount;
        Deadline = step.DeadlineAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null;
        CancellationToken = token;
        Clock = clock;
        Log = buffer;
        Audit = buffer;
        Resources = ledger;
        Services = services;
        this.inputs = inputs;
        this.buffer = buffer;
        State = step.State is { } s ? JsonDocument.Parse(s).RootElement.Clone() : null;
        Signal = step.Signal is { } sig ? ParseSignal(sig) : null;
        Compensating = compensating;
    }

    public override Guid RunId { get; }

    public override string WorkflowName { get; }

    public override string Redact(string? text) => buffer.Redact(text);

    public override string StepId { get; }

    public override string IdempotencyKey { get; }

    public override int Attempt { get; }

    public override int PollCount { get; }

    public override DateTimeOffset? Deadline { get; }

    public override CancellationToken CancellationToken { get; }

    public override TimeProvider Clock { get; }

    public override IStepLog Log { get; }

    public override IStepAudit Audit { get; }

    public override IResourceLedger Resources { get; }

    public override IServiceProvider Services { get; }

    public override JsonObject Inputs => inputs;

    public override JsonElement? State { get; }

    public override StepSignal? Signal { get; }

    public override CompensationTarget? Compensating { get; }

    public override T GetInputs<T>()
        where T : class
    {
        try
        {
            return inputs.Deserialize<T>(JsonDefaults.Options)
                ?? throw new StepFailedException("inputs.invalid", "The step has no inputs.", retryable: false);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "with" : "with." + e.Path.TrimStart('$', '.');
            // The message of a JsonException may quote the offending value; keep only the path and the type problem.
            var reason = e.Message.Split(" Path:", 2)[0];
            throw new StepFailedException("inputs.invalid", $"{field}: {Redactor.None.Redact(reason)}", retryable: false, e);
        }
    }

    private static StepSignal ParseSignal(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        using var doc = JsonDocument.Parse(o["payload"]?.ToJsonString() ?? "{}");
        return new StepSignal(
            (string?)o["name"] ?? "",
            (string?)o["actor"] ?? "",
            DateTimeOffset.FromUnixTimeMilliseconds((long?)o["at"] ?? 0),
            doc.RootElement.Clone());
    }
}

/// <summary>Buffers log text and audit events of one execution; flushed periodically and with the result.</summary>
internal sealed class StepBuffer(string runId, string stepId, Redactor redactor, TimeProvider clock) : IStepLog, IStepAudit
{
    /// <summary>Masks the run's secrets in <paramref name="text"/>.</summary>
    public string Redact(string? text) => redactor.Redact(text);

    private readonly Lock gate = new();
    private List<LogRow> logs = [];
    private List<AuditRow> audit = [];

    public bool HasContent
    {
        get
        {
            lock (gate)
            {
                return logs.Count > 0 || audit.Count > 0;
            }
        }
    }

    public void WriteLine(string line) => Write(line.EndsWith('\n') ? line : line + "\n");

    public void Write(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var row = new LogRow { RunId = runId, StepId = stepId, At = clock.GetUtcNow().ToUnixTimeMilliseconds(), Text = redactor.Redact(text) };
        lock (gate)
        {
            // Merge small writes into one chunk to keep the log table compact.
            if (logs.Count > 0 && logs[^1].Text.Length + row.Text.Length < 16_000)
            {
                logs[^1].Text += row.Text;
            }
            else
            {
                logs.Add(row);
            }
        }
    }

    public void RecordCall(ExternalCall call)
    {
        var data = new JsonObject
        {
            ["service"] = call.Service,
            ["method"] = call.Method,
            ["endpoint"] = redactor.Redact(call.Endpoint),
            ["status"] = call.Status,
            ["durationMs"] = (long)call.Duration.TotalMilliseconds,
            ["requestId"] = call.RequestId,
            ["error"] = call.Error is null ? null : redactor.Redact(call.Error),
        };
        var msg = $"{call.Method} {redactor.Redact(call.Endpoint)} → {(call.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? call.Error ?? "error")} in {(long)call.Duration.TotalMilliseconds} ms" + (call.RequestId is null ? "" : $" ({call.RequestId})");
        Add(new AuditRow { RunId = runId, StepId = stepId, At = clock.GetUtcNow().ToUnixTimeMilliseconds(), Kind = "call", Actor = "engine", Message = msg, Data = data.ToJsonString() });
    }

    public void Record(string kind, string message) =>
        Add(new AuditRow { RunId = runId, StepId = stepId, At = clock.GetUtcNow().ToUnixTimeMilliseconds(), Kind = kind, Actor = "engine", Message = redactor.Redact(message) });

    /// <summary>Puts back what a failed flush drained, before anything written since, so it is written with the result.</summary>
    public void Requeue(List<LogRow> drainedLogs, List<AuditRow> drainedAudit)
    {
        lock (gate)
        {
            drainedLogs.AddRange(logs);
            drainedAudit.AddRange(audit);
            logs = drainedLogs;
            audit = drainedAudit;
        }
    }

    public (List<LogRow> Logs, List<AuditRow> Audit) Drain()
    {
        lock (gate)
        {
            var r = (logs, audit);
            logs = [];
            audit = [];
            return r;
        }
    }

    private void Add(AuditRow row)
    {
        lock (gate)
        {
            audit.Add(row);
        }
    }
}

/// <summary>The ledger as seen by one step: writes go straight to the database (a resource must be known even if the step crashes next).</summary>
internal sealed class StepLedger(RunStore store, string runId, string stepId, TimeProvider clock) : IResourceLedger
{
    public Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default) =>
        store.Ledger.RecordAsync(
            runId,
            stepId,
            resource.Kind,
            resource.Provider ?? "",
            resource.ExternalId,
            resource.Name,
            resource.Properties is null ? null : JsonSerializer.Serialize(resource.Properties),
            clock.GetUtcNow().ToUnixTimeMilliseconds(),
            cancellationToken);

    public Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default) =>
        store.Ledger.MarkDeletedAsync(kind, externalId, provider, clock.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    public async Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default) =>
        (await store.Ledger.ForRunAsync(runId, cancellationToken)).Select(ResourceMapping.ToEntry).ToList();

    public async Task<IReadOnlyList<ResourceEntry>> FindLiveAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default) =>
        (await store.Ledger.FindLiveAsync(kind, externalId, provider, cancellationToken)).Select(ResourceMapping.ToEntry).ToList();
}

/// <summary>Maps ledger rows.</summary>
internal static class ResourceMapping
{
    public static ResourceEntry ToEntry(ResourceRow r) => new(
        Guid.Parse(r.RunId),
        r.StepId,
        r.Kind,
        r.ExternalId,
        r.Name,
        r.Provider.Length == 0 ? null : r.Provider,
        r.Properties is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(r.Properties) ?? [],
        DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        r.DeletedAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null,
        r.DeletedReason is null ? null : Enum.Parse<ResourceDeletedReason>(r.DeletedReason),
        r.DeletedBy);
}

/// <summary>Gives deep code the step context of the current async flow.</summary>
internal sealed class StepContextAccessor : IStepContextAccessor
{
    private static readonly AsyncLocal<StepContext?> CurrentContext = new();

    public StepContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }
}
