using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.Testing;

/// <summary>What the driver saw on one pending call.</summary>
/// <param name="Result">The pending result.</param>
/// <param name="LogAdded">The log text this call added.</param>
/// <param name="Delay">The wait before the next call: what the action asked for, else the step's poll schedule.</param>
public sealed record PollRecord(PendingResult Result, string LogAdded, TimeSpan Delay);

/// <summary>How the driver plays the engine.</summary>
public sealed record DriverOptions
{
    /// <summary>Gets the most calls before the driver gives up (an action that never completes). Default is 400.</summary>
    public int MaxCalls { get; init; } = 400;

    /// <summary>Gets the poll schedule of waits the action leaves to the engine (<c>PollAfter</c> null). Default is <see cref="PollSchedule.Default"/>.</summary>
    public PollSchedule Schedule { get; init; } = PollSchedule.Default;

    /// <summary>Gets the longest real wait between calls when the context's clock is not a <see cref="FakeTimeProvider"/>. Default is <see cref="ActionDriver.PollCap"/>.</summary>
    public TimeSpan? PollCap { get; init; }

    /// <summary>Gets a hook called before each call with the number of calls before it (0 first).</summary>
    public Func<int, Task>? BeforeCall { get; init; }

    /// <summary>Gets a hook called after each pending call with its record and the number of pending calls so far.</summary>
    public Func<PollRecord, int, Task>? OnPending { get; init; }

    /// <summary>Gets a predicate after each pending call: true stops the driver, which returns that pending result.</summary>
    public Func<PollRecord, int, bool>? StopWhen { get; init; }
}

/// <summary>
/// Plays the engine for one attempt of one step: calls the action; while it answers Pending, stores the state through JSON
/// as the engine does, counts the poll, waits the delay it asked for (or the poll schedule's) and calls again; until it
/// completes or fails.
/// </summary>
/// <remarks>
/// The wait is virtual when the context's clock is a <see cref="FakeTimeProvider"/> (as <see cref="ActionEnvironment"/> makes
/// it): the clock is advanced by the delay and the next call is immediate, so a test of a one-hour wait takes no time. With
/// any other clock (an action waiting on a real system) the driver sleeps, at most <see cref="PollCap"/>.
/// A <see cref="StepFailedException"/> becomes a failed result, and an <see cref="OperationCanceledException"/> once the
/// step's token is cancelled a failed result with code <c>cancelled</c>, as in the engine; any other exception reaches the test.
/// </remarks>
public static class ActionDriver
{
    /// <summary>Gets or sets the longest real wait between calls on a real clock. Default is 100 ms.</summary>
    public static TimeSpan PollCap { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Drives the action <typeparamref name="TAction"/>, resolved from the context's services.</summary>
    /// <typeparam name="TAction">The action's type.</typeparam>
    /// <param name="context">The step's context.</param>
    /// <param name="maxCalls">The most calls.</param>
    public static Task<DriverResult> RunAsync<TAction>(TestStepContext context, int maxCalls = 400)
        where TAction : IStepAction =>
        RunAsync(typeof(TAction), context, maxCalls);

    /// <summary>Drives the action of type <paramref name="actionType"/>, resolved from the context's services.</summary>
    /// <param name="actionType">The action's type.</param>
    /// <param name="context">The step's context.</param>
    /// <param name="maxCalls">The most calls.</param>
    public static Task<DriverResult> RunAsync(Type actionType, TestStepContext context, int maxCalls = 400)
    {
        ArgumentNullException.ThrowIfNull(context);
        var action = (IStepAction)context.Services.GetRequiredService(actionType);
        return RunAsync(action, context, new DriverOptions { MaxCalls = maxCalls, Schedule = ScheduleOf(context.Services, actionType) });
    }

    /// <summary>Drives <paramref name="action"/>, with hooks.</summary>
    /// <param name="action">The action.</param>
    /// <param name="context">The step's context.</param>
    /// <param name="onPending">Called after each pending call.</param>
    /// <param name="stopWhen">True after a pending call stops the driver.</param>
    /// <param name="maxCalls">The most calls.</param>
    public static Task<DriverResult> RunAsync(IStepAction action, TestStepContext context, Func<PollRecord, int, Task>? onPending = null, Func<PollRecord, int, bool>? stopWhen = null, int maxCalls = 3000) =>
        RunAsync(action, context, new DriverOptions { OnPending = onPending, StopWhen = stopWhen, MaxCalls = maxCalls, Schedule = ScheduleOf(context.Services, action.GetType()) });

    /// <summary>Drives <paramref name="action"/> with <paramref name="options"/>.</summary>
    /// <param name="action">The action.</param>
    /// <param name="context">The step's context.</param>
    /// <param name="options">The hooks and limits.</param>
    public static async Task<DriverResult> RunAsync(IStepAction action, TestStepContext context, DriverOptions options)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var progress = new List<string>();
        var polls = new List<PollRecord>();
        var waited = TimeSpan.Zero;
        for (var call = 0; call < options.MaxCalls; call++)
        {
            if (options.BeforeCall is not null)
            {
                await options.BeforeCall(call);
            }

            var before = context.Recorder.Text.Length;
            var result = await CallAsync(action, context);
            if (result is not PendingResult pending)
            {
                return new DriverResult(result, progress, call + 1, polls, waited, context.CurrentState);
            }

            if (pending.Progress is { } p)
            {
                progress.Add(p);
            }

            var delay = pending.PollAfter ?? options.Schedule.DelayAfter(polls.Count);
            var record = new PollRecord(pending, context.Recorder.Text[before..], delay);
            polls.Add(record);
            context.Persist(pending.State);
            if (options.OnPending is not null)
            {
                await options.OnPending(record, polls.Count);
            }

            if (options.StopWhen?.Invoke(record, polls.Count) == true)
            {
                return new DriverResult(result, progress, call + 1, polls, waited, context.CurrentState);
            }

            waited += delay;
            if (context.Clock is FakeTimeProvider fake)
            {
                fake.Advance(delay);
            }
            else
            {
                var cap = options.PollCap ?? PollCap;
                try
                {
                    await Task.Delay(delay < cap ? delay : cap, context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    // Cancelled between polls: the engine marks the step cancelled without calling the action again.
                    return new DriverResult(Cancelled(), progress, call + 1, polls, waited, context.CurrentState);
                }
            }
        }

        throw new InvalidOperationException($"{action.GetType().Name} was still pending after {options.MaxCalls} calls.");
    }

    /// <summary>Calls the action once (one call of an attempt, first or poll) with the engine's treatment of its exceptions.</summary>
    /// <typeparam name="TAction">The action's type, resolved from the context's services.</typeparam>
    /// <param name="context">The step's context.</param>
    public static Task<StepResult> ExecuteOnceAsync<TAction>(TestStepContext context)
        where TAction : IStepAction
    {
        ArgumentNullException.ThrowIfNull(context);
        return CallAsync(context.Services.GetRequiredService<TAction>(), context);
    }

    /// <summary>Returns the outputs of a completed result as JSON (as the engine stores them, secrets masked).</summary>
    /// <param name="result">The result.</param>
    /// <exception cref="InvalidOperationException">The result is not completed.</exception>
    public static JsonElement Outputs(StepResult result) =>
        result is CompletedResult completed
            ? KitJson.ToStored(completed.Outputs) ?? JsonSerializer.SerializeToElement<object?>(null)
            : throw new InvalidOperationException($"Expected Completed but got {result}");

    /// <summary>Returns the outputs of a completed result bound to <typeparamref name="T"/> (through JSON, as the next step would read them).</summary>
    /// <typeparam name="T">The outputs' type.</typeparam>
    /// <param name="result">The result.</param>
    /// <exception cref="InvalidOperationException">The result is not completed.</exception>
    public static T Outputs<T>(StepResult result) =>
        Outputs(result).Deserialize<T>(JsonDefaults.Options) ?? throw new InvalidOperationException("The outputs are null.");

    /// <summary>Returns the outputs of a driven step bound to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The outputs' type.</typeparam>
    /// <param name="result">The driven step.</param>
    public static T Outputs<T>(DriverResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Outputs<T>(result.Result);
    }

    private static async Task<StepResult> CallAsync(IStepAction action, TestStepContext context)
    {
        try
        {
            return await action.ExecuteAsync(context);
        }
        catch (StepFailedException e)
        {
            return StepResult.Failed(e.ErrorCode, e.Message, e.Retryable);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return Cancelled();
        }
    }

    private static FailedResult Cancelled() => StepResult.Failed("cancelled", "The run was cancelled while the step was running", retryable: false);

    private static PollSchedule ScheduleOf(IServiceProvider services, Type actionType) =>
        services.GetServices<ActionDescriptor>().FirstOrDefault(d => d.ActionType == actionType)?.Poll ?? PollSchedule.Default;
}

/// <summary>What the driver ended with.</summary>
/// <param name="Result">The last result: completed or failed, or pending when the driver was told to stop.</param>
/// <param name="Progress">The progress texts of the pending calls, in order.</param>
/// <param name="Calls">How many calls were made.</param>
/// <param name="Polls">The pending calls.</param>
/// <param name="Waited">The total wait between calls, as the engine would have waited it.</param>
/// <param name="State">The last pending state as the engine stored it (what a compensation would get), or null.</param>
public sealed record DriverResult(StepResult Result, IReadOnlyList<string> Progress, int Calls, IReadOnlyList<PollRecord> Polls, TimeSpan Waited, JsonElement? State)
{
    /// <summary>Gets the outputs as JSON.</summary>
    /// <exception cref="InvalidOperationException">The step did not complete.</exception>
    public JsonElement Outputs => ActionDriver.Outputs(Result);

    /// <summary>Gets the failure.</summary>
    /// <exception cref="InvalidOperationException">The step did not fail.</exception>
    public FailedResult Failure => Result as FailedResult ?? throw new InvalidOperationException($"Expected Failed but got {Result}");

    /// <summary>Returns the outputs bound to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The outputs' type.</typeparam>
    public T OutputsAs<T>() => ActionDriver.Outputs<T>(Result);

    /// <summary>Deconstructs into the result and the pending calls.</summary>
    /// <param name="result">The last result.</param>
    /// <param name="polls">The pending calls.</param>
    public void Deconstruct(out StepResult result, out IReadOnlyList<PollRecord> polls)
    {
        result = Result;
        polls = Polls;
    }
}
