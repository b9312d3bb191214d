using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Acceptance.Tests.Testing;

/// <summary>A step context for driving actions without the engine.</summary>
public sealed class TestStepContext : StepContext
{
    private readonly JsonObject inputs;

    public TestStepContext(IServiceProvider services, object inputs, string stepId = "step", Guid? runId = null, CompensationTarget? compensating = null, TestRunRecorder? recorder = null)
    {
        Services = services;
        this.inputs = JsonSerializer.SerializeToNode(inputs, JsonDefaults.Options)!.AsObject();
        StepId = stepId;
        RunId = runId ?? Guid.NewGuid();
        Compensating = compensating;
        Recorder = recorder ?? new TestRunRecorder();
    }

    public TestRunRecorder Recorder { get; }

    public override Guid RunId { get; }

    public override string WorkflowName => "test";

    public override string StepId { get; }

    public override string IdempotencyKey => $"{RunId:N}:{StepId}";

    public override int Attempt => AttemptNumber;

    public int AttemptNumber { get; set; } = 1;

    public override int PollCount => Polls;

    public int Polls { get; set; }

    public override DateTimeOffset? Deadline => null;

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override TimeProvider Clock => TimeProvider.System;

    public override IStepLog Log => Recorder;

    public override IStepAudit Audit => Recorder;

    public override IResourceLedger Resources => Recorder;

    public override IServiceProvider Services { get; }

    public override JsonObject Inputs => inputs;

    public override JsonElement? State => CurrentState;

    public JsonElement? CurrentState { get; set; }

    public override StepSignal? Signal => null;

    public override CompensationTarget? Compensating { get; }

    public override T GetInputs<T>()
        where T : class =>
        inputs.Deserialize<T>(JsonDefaults.Options) ?? throw new StepFailedException("inputs.invalid", "no inputs", false);
}

/// <summary>Log, audit and ledger of one test run, shared by its steps.</summary>
public sealed class TestRunRecorder : IStepLog, IStepAudit, IResourceLedger
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentQueue<ExternalCall> calls = new();
    private readonly ConcurrentQueue<(string Kind, string Message)> events = new();
    private readonly ConcurrentDictionary<(string Kind, string Id), ResourceEntry> resources = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public IReadOnlyList<ExternalCall> Calls => [.. calls];

    public IReadOnlyList<(string Kind, string Message)> Events => [.. events];

    public IReadOnlyList<ResourceEntry> ResourceEntries => [.. resources.Values];

    public void WriteLine(string line) => lines.Enqueue(line);

    public void Write(string text) => lines.Enqueue(text);

    public void RecordCall(ExternalCall call) => calls.Enqueue(call);

    public void Record(string kind, string message) => events.Enqueue((kind, message));

    public Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default)
    {
        resources.AddOrUpdate(
            (resource.Kind, resource.ExternalId),
            _ => new ResourceEntry(Guid.Empty, "step", resource.Kind, resource.ExternalId, resource.Name, resource.Provider, resource.Properties ?? new Dictionary<string, string>(), DateTimeOffset.UtcNow, null),
            (_, e) => e with { Name = resource.Name ?? e.Name });
        return Task.CompletedTask;
    }

    public Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default)
    {
        if (resources.TryGetValue((kind, externalId), out var e))
        {
            resources[(kind, externalId)] = e with { DeletedAt = DateTimeOffset.UtcNow };
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(ResourceEntries);
}
