using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.Abstractions.Actions;

/// <summary>
/// Everything one execution of a step action may use. The engine creates one per execution.
/// </summary>
public abstract class StepContext
{
    /// <summary>Gets the run's id.</summary>
    public abstract Guid RunId { get; }

    /// <summary>Gets the workflow's name.</summary>
    public abstract string WorkflowName { get; }

    /// <summary>Gets the step's id within the definition (for a compensation, the id of the compensation step).</summary>
    public abstract string StepId { get; }

    /// <summary>
    /// Gets a key that is the same for every attempt and poll of this step in this run
    /// (run id + step id). Tag created resources with it and adopt what carries it.
    /// </summary>
    public abstract string IdempotencyKey { get; }

    /// <summary>Gets the attempt number, starting at 1. Polls of the same attempt share it.</summary>
    public abstract int Attempt { get; }

    /// <summary>Gets how many times this attempt has been polled before (0 on the first call of an attempt).</summary>
    public abstract int PollCount { get; }

    /// <summary>Gets the step's deadline over all attempts and polls, when it has a timeout.</summary>
    public abstract DateTimeOffset? Deadline { get; }

    /// <summary>Gets a token cancelled when the run is cancelled, the deadline passes or the server stops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Gets the clock. Never read the system clock directly.</summary>
    public abstract TimeProvider Clock { get; }

    /// <summary>Gets the run's log; text is redacted of the run's secrets and streamed in chunks.</summary>
    public abstract IStepLog Log { get; }

    /// <summary>Gets the run's audit for external calls and notable events.</summary>
    public abstract IStepAudit Audit { get; }

    /// <summary>Gets the run's resource ledger.</summary>
    public abstract IResourceLedger Resources { get; }

    /// <summary>Gets the services of the host.</summary>
    public abstract IServiceProvider Services { get; }

    /// <summary>Gets the evaluated <c>with:</c> inputs (secrets in plain text, in memory only).</summary>
    public abstract JsonObject Inputs { get; }

    /// <summary>Gets the state returned with the last <see cref="PendingResult"/> of this attempt, if any.</summary>
    public abstract JsonElement? State { get; }

    /// <summary>Gets the operator signal delivered to this step (e.g. an approval decision), if any.</summary>
    public abstract StepSignal? Signal { get; }

    /// <summary>Gets, for a compensation, the step being undone; null for a normal step.</summary>
    public abstract CompensationTarget? Compensating { get; }

    /// <summary>Binds <see cref="Inputs"/> to <typeparamref name="T"/>.</summary>
    /// <exception cref="StepFailedException">With code <c>inputs.invalid</c> (not retryable) naming the field.</exception>
    public abstract T GetInputs<T>()
        where T : class;

    /// <summary>
    /// Returns <paramref name="text"/> with every secret of this run masked (<c>***</c>): secret inputs and secret
    /// outputs, also where an expression interpolated them into another input. The engine masks logs, audit messages,
    /// errors and progress itself; use this for text an action keeps in its state or shows elsewhere (an approval's
    /// message, say).
    /// </summary>
    public virtual string Redact(string? text) => text ?? "";

    /// <summary>Deserializes <see cref="State"/>, or returns null when there is none.</summary>
    public T? GetState<T>()
        where T : class =>
        State is { } s ? System.Text.Json.JsonSerializer.Deserialize<T>(s, Workflows.Abstractions.JsonDefaults.Options) : null;
}

/// <summary>A signal an operator sent to a waiting step.</summary>
/// <param name="Name">The signal's name, e.g. <c>approval</c>.</param>
/// <param name="Actor">Who sent it.</param>
/// <param name="At">When it was sent.</param>
/// <param name="Payload">Its data, e.g. <c>{"approved":true,"comment":"ok"}</c>.</param>
public sealed record StepSignal(string Name, string Actor, DateTimeOffset At, JsonElement Payload);

/// <summary>The step a compensation undoes.</summary>
/// <param name="StepId">The original step's id.</param>
/// <param name="IdempotencyKey">The original step's idempotency key: find what it created by this.</param>
/// <param name="Outputs">Its outputs when it completed; null when it failed or was cancelled mid-way.</param>
/// <param name="State">Its last pending state, if any (e.g. the id of a server still building).</param>
public sealed record CompensationTarget(string StepId, string IdempotencyKey, JsonElement? Outputs, JsonElement? State);

/// <summary>The run's log as seen by one step execution.</summary>
public interface IStepLog
{
    /// <summary>Appends a line. Known secrets are replaced by <c>***</c>.</summary>
    void WriteLine(string line);

    /// <summary>Appends text as is (e.g. a chunk of a remote log that may end mid-line).</summary>
    void Write(string text);
}

/// <summary>The run's audit trail as seen by one step execution.</summary>
public interface IStepAudit
{
    /// <summary>Records a call to an external system (method, endpoint, status, duration, request id).</summary>
    void RecordCall(ExternalCall call);

    /// <summary>Records a notable event (e.g. "trusted host key SHA256:… on first use").</summary>
    void Record(string kind, string message);
}

/// <summary>A call to an external system, summarised for the audit. Never put tokens or passwords here.</summary>
/// <param name="Service">The system (e.g. <c>compute</c>, <c>docker</c>, <c>ssh</c>).</param>
/// <param name="Method">The verb (e.g. <c>POST</c>).</param>
/// <param name="Endpoint">The path or URL, without credentials or query secrets.</param>
/// <param name="Status">The status code, when there is one.</param>
/// <param name="Duration">How long the call took.</param>
/// <param name="RequestId">The remote request id (e.g. <c>x-openstack-request-id</c>).</param>
/// <param name="Error">A short error, when the call failed.</param>
public sealed record ExternalCall(string Service, string Method, string Endpoint, int? Status, TimeSpan Duration, string? RequestId = null, string? Error = null);

/// <summary>Gives code deep in a call stack (e.g. an HTTP handler) the step context of the current execution.</summary>
public interface IStepContextAccessor
{
    /// <summary>Gets the context of the step executing on this async flow, or null.</summary>
    StepContext? Current { get; }
}
