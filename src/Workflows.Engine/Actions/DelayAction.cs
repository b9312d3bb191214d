using Workflows.Abstractions.Actions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Actions;

/// <summary>Inputs of <c>core.delay</c>.</summary>
public sealed class DelayInputs
{
    /// <summary>Gets or sets how long to wait, e.g. <c>30s</c> or <c>5m</c>.</summary>
    public required string Duration { get; set; }

}

/// <summary>Outputs of <c>core.delay</c>.</summary>
/// <param name="WaitedUntil">When the wait ended.</param>
public sealed record DelayOutputs(DateTimeOffset WaitedUntil);

/// <summary><c>core.delay</c>: waits without holding a worker.</summary>
public sealed class DelayAction : StepAction<DelayInputs, DelayOutputs>, IPlannableAction
{
    /// <inheritdoc />
    public Task<StepPlan> PlanAsync(PlanContext context)
    {
        if (context.WhenKnown("duration") is { } when)
        {
            return Task.FromResult(StepPlan.NoChange($"waits for a duration {when}"));
        }

        var inputs = context.GetInputs<DelayInputs>();
        var plan = new StepPlanBuilder();
        if (Duration.TryParse(inputs.Duration, out var err) is { } d)
        {
            plan.Passed("duration", $"{inputs.Duration} ({d})");
            return Task.FromResult(plan.Build(PlanAction.NoChange, $"waits {inputs.Duration}, without holding a worker"));
        }

        plan.Error("duration", "with.duration", err ?? "not a duration");
        return Task.FromResult(plan.Build(PlanAction.NoChange, "waits"));
    }

    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(DelayInputs inputs, StepContext context)
    {
        var now = context.Clock.GetUtcNow();
        var state = context.GetState<DelayState>();
        if (state is null)
        {
            var d = Duration.TryParse(inputs.Duration, out var err)
                ?? throw new StepFailedException("inputs.invalid", $"with.duration: {err}", retryable: false);
            state = new DelayState(now + d);
            context.Log.WriteLine($"Waiting {inputs.Duration} (until {state.Until:u})");
        }

        return Task.FromResult<StepResult>(now >= state.Until
            ? Completed(new DelayOutputs(state.Until))
            : StepResult.Pending(state.Until - now, $"waiting until {state.Until:HH:mm:ss}", state));
    }

    private sealed record DelayState(DateTimeOffset Until);
}
