using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>What the driver saw on one pending poll.</summary>
/// <param name="Result">The pending result.</param>
/// <param name="LogAdded">The log text this execution added.</param>
public sealed record PollRecord(PendingResult Result, string LogAdded);

/// <summary>Plays the engine for one step: executes, and on Pending waits (capped) and executes again with the returned state.</summary>
public static class StepDriver
{
    /// <summary>The most the driver waits between polls, whatever the action asks.</summary>
    public static readonly TimeSpan PollCap = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs until Completed or Failed, or until <paramref name="stopWhen"/> says to stop after a pending poll (then returns that Pending).</summary>
    public static async Task<(StepResult Result, List<PollRecord> Polls)> RunAsync(
        IStepAction action,
        TestStepContext context,
        Func<PollRecord, int, Task>? onPending = null,
        Func<PollRecord, int, bool>? stopWhen = null,
        int maxPolls = 3000)
    {
        var polls = new List<PollRecord>();
        for (var i = 0; i < maxPolls; i++)
        {
            var before = context.RunLog.Text.Length;
            var result = await action.ExecuteAsync(context);
            if (result is not PendingResult pending)
            {
                return (result, polls);
            }

            var record = new PollRecord(pending, context.RunLog.Text[before..]);
            polls.Add(record);
            context.Persist(pending.State);
            if (onPending is not null)
            {
                await onPending(record, polls.Count);
            }

            if (stopWhen?.Invoke(record, polls.Count) == true)
            {
                return (result, polls);
            }

            await Task.Delay(pending.PollAfter is { } after && after < PollCap ? after : PollCap); // null: the engine's schedule
        }

        throw new InvalidOperationException($"The step was still pending after {maxPolls} polls.");
    }
}
