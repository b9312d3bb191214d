using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>A plan context for planning one action without the engine; unknown inputs are given by path.</summary>
public sealed class TestPlanContext(object inputs, string? idempotencyKey = null, IReadOnlyDictionary<string, string>? unknown = null) : PlanContext
{
    // The engine hands actions their secrets in plain text (in memory only); Secret's own converter writes the mask.
    private static readonly JsonSerializerOptions PlainSecrets = new(JsonDefaults.Options) { Converters = { new PlainSecretConverter() } };

    private readonly JsonObject inputs = JsonSerializer.SerializeToNode(inputs, inputs.GetType(), PlainSecrets)!.AsObject();

    public List<ExternalCall> Calls { get; } = [];

    public override string WorkflowName => "test";

    public override string StepId => "install";

    public override string? IdempotencyKey => idempotencyKey;

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override TimeProvider Clock => TimeProvider.System;

    public override IStepAudit Audit => new Recorder(Calls);

    public override JsonObject Inputs => inputs;

    public override IReadOnlyDictionary<string, string> Unknown { get; } = unknown ?? new Dictionary<string, string>();

    public override T GetInputs<T>()
        where T : class => inputs.Deserialize<T>(JsonDefaults.Options)!;

    private sealed class Recorder(List<ExternalCall> calls) : IStepAudit
    {
        public void RecordCall(ExternalCall call)
        {
            lock (calls)
            {
                calls.Add(call);
            }
        }

        public void Record(string kind, string message)
        {
        }
    }
}
