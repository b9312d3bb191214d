using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Tests.Testing;

/// <summary>A plan context for planning one action without the engine; unknown inputs are given by path.</summary>
public sealed class TestPlanContext(object inputs, IReadOnlyDictionary<string, string>? unknown = null, string stepId = "step", TestRunRecorder? recorder = null) : PlanContext
{
    private readonly JsonObject inputs = JsonSerializer.SerializeToNode(inputs, JsonDefaults.Options)!.AsObject();

    /// <summary>Gets the recorder of the calls made while planning.</summary>
    public TestRunRecorder Recorder { get; } = recorder ?? new TestRunRecorder();

    public override string WorkflowName => "test";

    public override string StepId => stepId;

    public override string? IdempotencyKey => null;

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override TimeProvider Clock => TimeProvider.System;

    public override IStepAudit Audit => Recorder;

    public override JsonObject Inputs => inputs;

    public override IReadOnlyDictionary<string, string> Unknown { get; } = unknown ?? new Dictionary<string, string>();

    public override T GetInputs<T>()
        where T : class => inputs.Deserialize<T>(JsonDefaults.Options)!;
}
