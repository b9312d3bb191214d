using System.Globalization;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Testing.Tests;

public sealed class TimerInputs
{
    public List<TimeSpan> Waits { get; set; } = [];
}

public sealed record TimerState(DateTimeOffset Started, int Next);

/// <summary>Waits each of its delays in turn (naming the delay), logging when it was called relative to its first call.</summary>
public sealed class TimerAction : StepAction<TimerInputs>
{
    protected override Task<StepResult> ExecuteAsync(TimerInputs inputs, StepContext context)
    {
        var state = context.GetState<TimerState>() ?? new TimerState(context.Clock.GetUtcNow(), 0);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"+{(context.Clock.GetUtcNow() - state.Started).TotalSeconds:0}s"));
        return Task.FromResult<StepResult>(state.Next < inputs.Waits.Count
            ? StepResult.Pending(inputs.Waits[state.Next], null, state with { Next = state.Next + 1 })
            : StepResult.Completed(new { }));
    }
}

public sealed class CountdownInputs
{
    public int Polls { get; set; }
}

public sealed record CountdownOutputs(int PollCountSeen, int StateSeen);

/// <summary>Pending on the step's schedule until it has been polled <see cref="CountdownInputs.Polls"/> times.</summary>
public sealed class CountdownAction : StepAction<CountdownInputs, CountdownOutputs>
{
    protected override Task<StepResult> ExecuteAsync(CountdownInputs inputs, StepContext context)
    {
        if (inputs.Polls < 0)
        {
            throw new StepFailedException("countdown.negative", "polls: must not be negative", retryable: false);
        }

        var done = context.GetState<CountdownOutputs>()?.StateSeen ?? 0;
        return Task.FromResult<StepResult>(done < inputs.Polls
            ? StepResult.Pending($"{inputs.Polls - done} left", new CountdownOutputs(context.PollCount, done + 1))
            : Completed(new CountdownOutputs(context.PollCount, done)));
    }
}

/// <summary>Waits on its token for ever (a long call to a remote system).</summary>
public sealed class CancellableAction : IStepAction
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<StepResult> ExecuteAsync(StepContext context)
    {
        Entered.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
        return StepResult.Completed(new { });
    }
}

public sealed class EchoSecretInputs
{
    public required string User { get; set; }

    public required Secret Password { get; set; }
}

/// <summary>Careless with its secret: writes it to the log, the audit and an error.</summary>
public sealed class EchoSecretAction : StepAction<EchoSecretInputs>
{
    protected override Task<StepResult> ExecuteAsync(EchoSecretInputs inputs, StepContext context)
    {
        var password = inputs.Password.Reveal();
        context.Log.WriteLine($"logging in as {inputs.User} with {password}");
        context.Log.Write($"partial {password}");
        context.Audit.RecordCall(new ExternalCall("test", "POST", $"/login?password={password}", 401, TimeSpan.FromMilliseconds(5), Error: $"bad password {password}"));
        context.Audit.Record("login", $"tried {password}");
        return Task.FromResult<StepResult>(StepResult.Completed(new { password.Length }));
    }
}
