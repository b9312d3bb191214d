namespace Workflows.Abstractions.Actions;

/// <summary>
/// What one execution of a step action reports: the step is done (<see cref="CompletedResult"/>),
/// the action wants to be polled again later (<see cref="PendingResult"/>), or it failed
/// (<see cref="FailedResult"/>).
/// </summary>
public abstract record StepResult
{
    private protected StepResult()
    {
    }

    /// <summary>The step is done; <paramref name="outputs"/> (an object or dictionary, may hold <see cref="Secrets.Secret"/> values) become <c>steps.id.outputs</c>.</summary>
    public static CompletedResult Completed(object? outputs = null) => new(outputs);

    /// <summary>
    /// The step is waiting on the outside world. The engine frees the worker and calls the action
    /// again on the step's poll schedule (its <c>poll:</c>, else the action's default, see
    /// <see cref="Definitions.PollSchedule"/>; capped by the step's deadline), with
    /// <paramref name="state"/> available as <see cref="StepContext.State"/>. Use this for anything
    /// that finishes when it finishes (a server building, a cluster deploying).
    /// </summary>
    public static PendingResult Pending(string? progress = null, object? state = null) =>
        new(null, progress, state);

    /// <summary>
    /// The step is waiting for a moment the action knows (a timer, an expiry, more output already
    /// available). The engine frees the worker and calls the action again after exactly
    /// <paramref name="pollAfter"/> (capped by the step's deadline), whatever the step's poll schedule
    /// says, with <paramref name="state"/> available as <see cref="StepContext.State"/>.
    /// </summary>
    public static PendingResult Pending(TimeSpan pollAfter, string? progress = null, object? state = null) =>
        new(pollAfter, progress, state);

    /// <summary>
    /// The attempt failed with a machine-readable <paramref name="code"/> and a human message.
    /// A retryable failure is retried according to the step's retry policy; a non-retryable one
    /// fails the step at once.
    /// </summary>
    public static FailedResult Failed(string code, string message, bool retryable = true) => new(code, message, retryable);
}

/// <summary>The step finished successfully.</summary>
/// <param name="Outputs">The outputs, serialized to JSON with camelCase names.</param>
public sealed record CompletedResult(object? Outputs) : StepResult;

/// <summary>The step waits; the engine polls again later.</summary>
/// <param name="PollAfter">Delay before the next poll the action asked for, or null to poll on the step's schedule.</param>
/// <param name="Progress">Short progress text shown on the step (e.g. "BUILD 40%").</param>
/// <param name="State">State handed to the next poll as <see cref="StepContext.State"/>.</param>
public sealed record PendingResult(TimeSpan? PollAfter, string? Progress, object? State) : StepResult;

/// <summary>The attempt failed.</summary>
/// <param name="ErrorCode">A stable, machine-readable code (e.g. <c>nova.fault</c>, <c>http.status</c>).</param>
/// <param name="Message">A message for humans; secrets are redacted by the engine before it is stored.</param>
/// <param name="Retryable">Whether another attempt may succeed.</param>
public sealed record FailedResult(string ErrorCode, string Message, bool Retryable) : StepResult;

/// <summary>
/// Thrown by an action (or a client it calls) to fail the attempt with a code; equivalent to
/// returning <see cref="StepResult.Failed"/>.
/// </summary>
public class StepFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StepFailedException(string errorCode, string message, bool retryable = true, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        Retryable = retryable;
    }

    /// <summary>Gets the machine-readable error code.</summary>
    public string ErrorCode { get; }

    /// <summary>Gets whether another attempt may succeed.</summary>
    public bool Retryable { get; }
}
