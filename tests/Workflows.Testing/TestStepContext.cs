using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.Testing;

/// <summary>
/// A <see cref="StepContext"/> for calling an action without the engine. Every property the engine would set is settable here,
/// so a test can put the action in any situation: a later attempt, a poll with a state, a signal, a compensation, a deadline.
/// </summary>
/// <remarks>Made by <see cref="ActionEnvironment.Context"/>, or directly for a test that wants no environment.</remarks>
public sealed class TestStepContext : StepContext
{
    private string? idempotencyKey;

    /// <summary>Creates a context.</summary>
    /// <param name="services">The services the action and its clients resolve from.</param>
    /// <param name="inputs">The <c>with:</c> inputs: an inputs object, a dictionary or a <see cref="JsonObject"/>; a <see cref="Abstractions.Secrets.Secret"/> reaches the action in plain text and is redacted from the recorder.</param>
    /// <param name="stepId">The step's id.</param>
    /// <param name="runId">The run's id; a new one when null.</param>
    /// <param name="compensating">For a compensation, the step being undone.</param>
    /// <param name="recorder">The run's log, audit and ledger (share one between the steps of one run); a new one when null.</param>
    /// <param name="idempotencyKey">The step's key; <c>{runId:N}:{stepId}</c> when null, as the engine makes it.</param>
    public TestStepContext(IServiceProvider services, object inputs, string stepId = "step", Guid? runId = null, CompensationTarget? compensating = null, RunRecorder? recorder = null, string? idempotencyKey = null)
    {
        Services = services ?? throw new ArgumentNullException(nameof(services));
        RunId = runId ?? Guid.NewGuid();
        StepId = stepId;
        CompensationTarget = compensating;
        Recorder = recorder ?? new RunRecorder(RunId);
        Inputs = KitJson.ToInputs(inputs, Recorder.Redactor);
        this.idempotencyKey = idempotencyKey;
    }

    /// <summary>Gets the run's log, audit and ledger.</summary>
    public RunRecorder Recorder { get; }

    /// <inheritdoc />
    public override Guid RunId { get; }

    /// <summary>Gets or sets the workflow's name (<c>test</c>).</summary>
    public string Workflow { get; set; } = "test";

    /// <inheritdoc />
    public override string WorkflowName => Workflow;

    /// <inheritdoc />
    public override string StepId { get; }

    /// <inheritdoc />
    public override string IdempotencyKey => idempotencyKey ??= $"{RunId:N}:{StepId}";

    /// <summary>Gets or sets the attempt number (1).</summary>
    public int AttemptNumber { get; set; } = 1;

    /// <inheritdoc />
    public override int Attempt => AttemptNumber;

    /// <summary>Gets or sets how many times this attempt was polled before (the driver counts them).</summary>
    public int Polls { get; set; }

    /// <inheritdoc />
    public override int PollCount => Polls;

    /// <summary>Gets or sets the step's deadline (none).</summary>
    public DateTimeOffset? StepDeadline { get; set; }

    /// <inheritdoc />
    public override DateTimeOffset? Deadline => StepDeadline;

    /// <summary>Gets or sets the token the action sees (none; <see cref="ActionEnvironment"/> gives its own, cancelled by <see cref="ActionEnvironment.Cancel"/>).</summary>
    public CancellationToken Token { get; set; }

    /// <inheritdoc />
    public override CancellationToken CancellationToken => Token;

    /// <summary>Gets or sets the clock (the system clock; <see cref="ActionEnvironment"/> gives a fake one).</summary>
    public TimeProvider TestClock { get; set; } = TimeProvider.System;

    /// <inheritdoc />
    public override TimeProvider Clock => TestClock;

    /// <inheritdoc />
    public override IStepLog Log => Recorder;

    /// <inheritdoc />
    public override IStepAudit Audit => Recorder;

    /// <inheritdoc />
    public override IResourceLedger Resources => Recorder;

    /// <inheritdoc />
    public override IServiceProvider Services { get; }

    /// <inheritdoc />
    public override JsonObject Inputs { get; }

    /// <summary>Gets or sets the state of the last pending result, as the engine stored it (JSON).</summary>
    public JsonElement? CurrentState { get; set; }

    /// <inheritdoc />
    public override JsonElement? State => CurrentState;

    /// <summary>Gets or sets the operator signal delivered to the step.</summary>
    public StepSignal? CurrentSignal { get; set; }

    /// <inheritdoc />
    public override StepSignal? Signal => CurrentSignal;

    /// <summary>Gets or sets, for a compensation, the step being undone.</summary>
    public CompensationTarget? CompensationTarget { get; set; }

    /// <inheritdoc />
    public override CompensationTarget? Compensating => CompensationTarget;

    /// <summary>Stores a pending state the way the engine does (through JSON, secrets masked) and counts the poll.</summary>
    /// <param name="state">The state of a <see cref="PendingResult"/>.</param>
    public void Persist(object? state)
    {
        CurrentState = KitJson.ToStored(state);
        Polls++;
    }

    /// <inheritdoc />
    public override T GetInputs<T>()
    {
        try
        {
            return Inputs.Deserialize<T>(JsonDefaults.Options) ?? throw new StepFailedException("inputs.invalid", "the inputs are null", retryable: false);
        }
        catch (JsonException ex)
        {
            throw new StepFailedException("inputs.invalid", $"{ex.Path}: {Recorder.Redactor.Redact(ex.Message)}", retryable: false, ex);
        }
    }
}
