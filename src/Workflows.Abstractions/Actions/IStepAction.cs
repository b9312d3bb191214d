namespace Workflows.Abstractions.Actions;

/// <summary>
/// A named step type (e.g. <c>nova.server.create</c>) that workflow steps invoke with <c>uses:</c>.
/// Register it with <c>services.AddWorkflowAction&lt;TAction&gt;("name")</c>.
/// </summary>
/// <remarks>
/// <para><b>At-least-once.</b> The engine commits the start of an attempt before it calls the action
/// and commits the result after; a crash in between runs the same attempt again. An action must
/// therefore be idempotent: before creating anything, look for what an earlier execution of the
/// same step created, using <see cref="StepContext.IdempotencyKey"/> (tag, metadata, label or name),
/// and adopt it instead of creating a second one.</para>
/// <para><b>Short executions.</b> One call should return within seconds. Waiting for the outside
/// world (a server to become ACTIVE, a script to finish) is done by returning
/// <c>StepResult.Pending(progress, state)</c>: the engine frees the worker and calls again on the
/// step's poll schedule (fast at first, then backing off), with the state you returned in
/// <see cref="StepContext.State"/>. Declare the schedule that suits your action when you register it.</para>
/// <para><b>Secrets.</b> Never put a secret into an exception message, a progress text or a log line
/// unredacted; the engine redacts the run's known secrets, but values you derive yourself are yours.</para>
/// </remarks>
public interface IStepAction
{
    /// <summary>Executes one attempt or one poll of the step.</summary>
    /// <param name="context">The run, the step, its inputs and the services of this execution.</param>
    /// <returns>Completed, Pending or Failed.</returns>
    Task<StepResult> ExecuteAsync(StepContext context);
}

/// <summary>An action whose <c>with:</c> inputs bind to <typeparamref name="TInputs"/> (camelCase JSON names).</summary>
/// <typeparam name="TInputs">The input type; its properties define which <c>with:</c> keys are valid.</typeparam>
public abstract class StepAction<TInputs> : IStepAction
    where TInputs : class
{
    /// <inheritdoc />
    public Task<StepResult> ExecuteAsync(StepContext context) => ExecuteAsync(context.GetInputs<TInputs>(), context);

    /// <summary>Executes one attempt or poll with bound inputs.</summary>
    protected abstract Task<StepResult> ExecuteAsync(TInputs inputs, StepContext context);
}

/// <summary>An action with typed inputs and typed outputs; the output type lets definitions be checked at load time.</summary>
/// <typeparam name="TInputs">The input type.</typeparam>
/// <typeparam name="TOutputs">The output type (camelCase JSON names).</typeparam>
public abstract class StepAction<TInputs, TOutputs> : StepAction<TInputs>
    where TInputs : class
    where TOutputs : class
{
    /// <summary>Completes the step with typed outputs.</summary>
    protected static CompletedResult Completed(TOutputs outputs) => StepResult.Completed(outputs);
}

/// <summary>Describes a registered action: its name and the types of its inputs and outputs.</summary>
/// <param name="Name">The name used in <c>uses:</c>.</param>
/// <param name="ActionType">The implementation type, resolved from DI per execution.</param>
/// <param name="InputType">The bound input type, or null when the action reads raw inputs.</param>
/// <param name="OutputType">The output type, or null when outputs are free-form.</param>
/// <param name="Description">One line for the portal and the API.</param>
/// <param name="Poll">How the engine polls a step of this action that waits (<c>StepResult.Pending(progress, state)</c>) when the step has no <c>poll:</c> of its own; null for <see cref="Definitions.PollSchedule.Default"/>.</param>
public sealed record ActionDescriptor(string Name, Type ActionType, Type? InputType, Type? OutputType, string? Description = null, Definitions.PollSchedule? Poll = null);
