using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Tests.Testing;

/// <summary>A StepContext for driving actions without the engine.</summary>
public sealed class TestStepContext : StepContext
{
    public TestStepContext(IServiceProvider services, JsonObject inputs, string idempotencyKey, Guid runId, InMemoryLedger ledger, TestLog log, TestAudit audit)
    {
        Services = services;
        Inputs = inputs;
        IdempotencyKey = idempotencyKey;
        RunId = runId;
        Resources = ledger;
        Log = log;
        Audit = audit;
    }

    public override Guid RunId { get; }

    public override string WorkflowName => "test";

    public override string StepId { get; } = "step";

    public override string IdempotencyKey { get; }

    public override int Attempt => 1;

    public int Polls { get; set; }

    public override int PollCount => Polls;

    public override DateTimeOffset? Deadline => null;

    public CancellationToken Token { get; set; }

    public override CancellationToken CancellationToken => Token;

    public override TimeProvider Clock => TimeProvider.System;

    public override IStepLog Log { get; }

    public override IStepAudit Audit { get; }

    public override IResourceLedger Resources { get; }

    public override IServiceProvider Services { get; }

    public override JsonObject Inputs { get; }

    public JsonElement? CurrentState { get; set; }

    public override JsonElement? State => CurrentState;

    public override StepSignal? Signal => null;

    public CompensationTarget? CompensationTarget { get; set; }

    public override CompensationTarget? Compensating => CompensationTarget;

    public override T GetInputs<T>()
    {
        try
        {
            return Inputs.Deserialize<T>(JsonDefaults.Options) ?? throw new StepFailedException("inputs.invalid", "inputs are null", false);
        }
        catch (JsonException ex)
        {
            throw new StepFailedException("inputs.invalid", $"{ex.Path}: {ex.Message}", false);
        }
    }
}

public sealed class TestLog : IStepLog
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => lines.ToArray();

    public void WriteLine(string line) => lines.Enqueue(line);

    public void Write(string text) => lines.Enqueue(text);
}

public sealed class TestAudit : IStepAudit
{
    private readonly ConcurrentQueue<string> entries = new();

    public IReadOnlyList<string> Entries => entries.ToArray();

    public void RecordCall(ExternalCall call) => entries.Enqueue(call.ToString());

    public void Record(string kind, string message) => entries.Enqueue($"{kind}: {message}");
}

public sealed class InMemoryLedger : IResourceLedger
{
    private readonly ConcurrentDictionary<(string Kind, string Id), ResourceEntry> entries = new();

    public Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default)
    {
        entries.AddOrUpdate(
            (resource.Kind, resource.ExternalId),
            _ => new ResourceEntry(Guid.Empty, "step", resource.Kind, resource.ExternalId, resource.Name, resource.Provider, resource.Properties ?? new Dictionary<string, string>(), DateTimeOffset.UtcNow, null),
            (_, e) => e with { Name = resource.Name, Properties = resource.Properties ?? e.Properties });
        return Task.CompletedTask;
    }

    public Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default)
    {
        if (entries.TryGetValue((kind, externalId), out var e))
        {
            entries[(kind, externalId)] = e with { DeletedAt = DateTimeOffset.UtcNow };
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResourceEntry>>(entries.Values.ToList());

    public IReadOnlyList<ResourceEntry> All => entries.Values.ToList();
}
