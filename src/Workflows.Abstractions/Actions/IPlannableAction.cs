namespace Workflows.Abstractions.Actions;

/// <summary>
/// An action that can say what it would do, before a run does it: which objects it would create, adopt,
/// change or delete, the checks it made (a flavor exists, quota is left, a name is free) and the problems it
/// found. Optional: an action without it shows as "not planned" in a plan, never as a guess.
/// </summary>
/// <remarks>
/// <para><b>Read-only.</b> Planning calls only read APIs (GET, HEAD, a server-side dry run); it must never
/// create, change or delete anything, not even something it would delete again. Authentication (a token
/// request) is the only write-verb call allowed. Tests check this against the sandbox's request log.</para>
/// <para><b>Unknown values.</b> Inputs computed from earlier steps' outputs are not known when planning.
/// <see cref="PlanContext.Unknown"/> says which inputs are unknown and after which step they are known;
/// <see cref="PlanContext.GetInputs{T}"/> leaves them at their default. Say what cannot be checked yet in the
/// plan rather than failing it.</para>
/// <para><b>Problems are findings.</b> A missing flavor, an exhausted quota or a name already taken are
/// errors on the plan (<see cref="StepPlanBuilder.Error"/>), naming the input they belong to; throw only
/// for a bug. An unreachable cloud is an error of the plan too.</para>
/// <para><b>Secrets.</b> The same rule as for execution: never put a secret into an attribute, a check or a
/// message; the engine masks the run's known secrets, but values you derive yourself are yours.</para>
/// </remarks>
public interface IPlannableAction
{
    /// <summary>Plans one step with the inputs the run would give it.</summary>
    /// <param name="context">The step, its inputs (unknown ones marked) and the services of this plan.</param>
    /// <returns>What the step would do.</returns>
    Task<StepPlan> PlanAsync(PlanContext context);
}

/// <summary>A plannable action whose <c>with:</c> inputs bind to <typeparamref name="TInputs"/>.</summary>
/// <typeparam name="TInputs">The input type (the one the action executes with).</typeparam>
public interface IPlannableAction<in TInputs> : IPlannableAction
    where TInputs : class
{
    /// <inheritdoc />
    Task<StepPlan> IPlannableAction.PlanAsync(PlanContext context) => PlanAsync(context.GetInputs<TInputs>(), context);

    /// <summary>Plans one step with bound inputs (unknown ones left at their default).</summary>
    Task<StepPlan> PlanAsync(TInputs inputs, PlanContext context);
}
