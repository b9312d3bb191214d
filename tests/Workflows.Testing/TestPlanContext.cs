using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.Testing;

/// <summary>A <see cref="PlanContext"/> for planning one action without the engine; inputs not known yet are given by path.</summary>
/// <param name="inputs">The inputs (an object, a dictionary or a <see cref="JsonObject"/>; secrets in plain text).</param>
/// <param name="unknown">The inputs not known yet, by path, each with when it will be (e.g. <c>known after `server`</c>).</param>
/// <param name="stepId">The step's id.</param>
/// <param name="recorder">Where the read calls made while planning are recorded; a new recorder when null.</param>
public sealed class TestPlanContext(object inputs, IReadOnlyDictionary<string, string>? unknown = null, string stepId = "step", RunRecorder? recorder = null) : PlanContext
{
    /// <summary>Gets the recorder of the calls made while planning.</summary>
    public RunRecorder Recorder { get; } = recorder ?? new RunRecorder();

    /// <summary>Gets or sets the workflow's name (<c>test</c>).</summary>
    public string Workflow { get; set; } = "test";

    /// <inheritdoc />
    public override string WorkflowName => Workflow;

    /// <inheritdoc />
    public override string StepId => stepId;

    /// <summary>Gets or sets the key the step would carry (none: a new run).</summary>
    public string? Key { get; set; }

    /// <inheritdoc />
    public override string? IdempotencyKey => Key;

    /// <summary>Gets or sets the token planning sees.</summary>
    public CancellationToken Token { get; set; }

    /// <inheritdoc />
    public override CancellationToken CancellationToken => Token;

    /// <summary>Gets or sets the clock (the system clock).</summary>
    public TimeProvider TestClock { get; set; } = TimeProvider.System;

    /// <inheritdoc />
    public override TimeProvider Clock => TestClock;

    /// <inheritdoc />
    public override IStepAudit Audit => Recorder;

    /// <inheritdoc />
    public override JsonObject Inputs { get; } = KitJson.ToInputs(inputs);

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> Unknown { get; } = unknown ?? new Dictionary<string, string>();

    /// <inheritdoc />
    public override T GetInputs<T>()
    {
        try
        {
            return Inputs.Deserialize<T>(JsonDefaults.Options) ?? throw new StepFailedException("inputs.invalid", "the inputs are null", retryable: false);
        }
        catch (JsonException ex)
        {
            throw new StepFailedException("inputs.invalid", $"{ex.Path}: {ex.Message}", retryable: false, ex);
        }
    }
}
