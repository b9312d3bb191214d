using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>A step context for tests: records the log, audit and ledger in memory and carries state between polls like the engine.</summary>
public sealed class TestStepContext : StepContext
{
    private readonly JsonObject inputs;

    public TestStepContext(IServiceProvider services, object inputs, string? idempotencyKey = null)
    {
        Services = services;
        // The engine hands actions their secrets in plain text (in memory only); Secret's own converter writes the mask.
        this.inputs = JsonSerializer.SerializeToNode(inputs, PlainSecrets)!.AsObject();
        IdempotencyKey = idempotencyKey ?? $"{RunId}:install";
    }

    private static readonly JsonSerializerOptions PlainSecrets = new(JsonDefaults.Options) { Converters = { new PlainSecretConverter() } };

    public override Guid RunId { get; } = Guid.NewGuid();

    public override string WorkflowName => "install-devstack";

    public override string StepId => "devstack";

    public override string IdempotencyKey { get; }

    public override int Attempt => AttemptNumber;

    public int AttemptNumber { get; set; } = 1;

    public override int PollCount => Polls;

    public int Polls { get; set; }

    public override DateTimeOffset? Deadline => null;

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override TimeProvider Clock => TimeProvider.System;

    public TestLog RunLog { get; } = new();

    public override IStepLog Log => RunLog;

    public TestAudit RunAudit { get; } = new();

    public override IStepAudit Audit => RunAudit;

    public TestLedger Ledger { get; } = new();

    public override IResourceLedger Resources => Ledger;

    public override IServiceProvider Services { get; }

    public override JsonObject Inputs => inputs;

    public override JsonElement? State => StateJson;

    /// <summary>Gets or sets the state as the engine would have persisted it (JSON).</summary>
    public JsonElement? StateJson { get; set; }

    public override StepSignal? Signal => null;

    public override CompensationTarget? Compensating => CompensatingTarget;

    public CompensationTarget? CompensatingTarget { get; set; }

    public override T GetInputs<T>() => inputs.Deserialize<T>(JsonDefaults.Options)
        ?? throw new StepFailedException("inputs.invalid", "no inputs", retryable: false);

    /// <summary>Stores a pending state the way the engine does: through JSON.</summary>
    public void Persist(object? state)
    {
        StateJson = state is null ? null : JsonSerializer.SerializeToElement(state, JsonDefaults.Options);
        Polls++;
    }
}

public sealed class TestLog : IStepLog
{
    private readonly StringBuilder text = new();
    private readonly Lock gate = new();

    public string Text
    {
        get
        {
            lock (gate)
            {
                return text.ToString();
            }
        }
    }

    public void WriteLine(string line)
    {
        lock (gate)
        {
            text.Append(line).Append('\n');
        }
    }

    public void Write(string text)
    {
        lock (gate)
        {
            this.text.Append(text);
        }
    }
}

public sealed class TestAudit : IStepAudit
{
    public ConcurrentQueue<ExternalCall> Calls { get; } = new();

    public ConcurrentQueue<(string Kind, string Message)> Events { get; } = new();

    /// <summary>Gets every audit entry as text, to search for leaked secrets.</summary>
    public string AllText => string.Join('\n', Calls.Select(c => c.ToString()).Concat(Events.Select(e => $"{e.Kind}: {e.Message}")));

    public void RecordCall(ExternalCall call) => Calls.Enqueue(call);

    public void Record(string kind, string message) => Events.Enqueue((kind, message));
}

public sealed class TestLedger : IResourceLedger
{
    public ConcurrentQueue<ResourceRecord> Recorded { get; } = new();

    public ConcurrentQueue<string> Deleted { get; } = new();

    public Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default)
    {
        Recorded.Enqueue(resource);
        return Task.CompletedTask;
    }

    public Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default)
    {
        Deleted.Enqueue($"{kind}:{externalId}");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResourceEntry>>([]);
}

internal sealed class PlainSecretConverter : System.Text.Json.Serialization.JsonConverter<Secret>
{
    public override Secret? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : new Secret(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Reveal());
}
