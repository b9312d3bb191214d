using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Tests.Testing;

/// <summary>
/// Drives an action like the engine would: executes, and while it is Pending waits (capped) and calls
/// again with the returned state and an increasing poll count, until Completed or Failed.
/// </summary>
public static class ActionDriver
{
    /// <summary>Gets or sets the longest wait between polls (100 ms here; the acceptance suite, sharing this file, uses 1 s so as not to load a real cloud).</summary>
    public static TimeSpan PollCap { get; set; } = TimeSpan.FromMilliseconds(100);

    public static Task<DriverResult> RunAsync<TAction>(TestStepContext context, int maxCalls = 400)
        where TAction : IStepAction =>
        RunAsync(typeof(TAction), context, maxCalls);

    /// <summary>Drives the action of type <paramref name="actionType"/> (as registered in the context's services).</summary>
    public static async Task<DriverResult> RunAsync(Type actionType, TestStepContext context, int maxCalls = 400)
    {
        var action = (IStepAction)context.Services.GetRequiredService(actionType);
        var progress = new List<string>();
        for (var call = 0; call < maxCalls; call++)
        {
            var result = await action.ExecuteAsync(context);
            if (result is PendingResult pending)
            {
                if (pending.Progress is { } p)
                {
                    progress.Add(p);
                }

                context.CurrentState = pending.State is null ? null : JsonSerializer.SerializeToElement(pending.State, JsonDefaults.Options);
                context.Polls++;
                await Task.Delay(pending.PollAfter is { } after && after < PollCap ? after : PollCap); // null: the engine's schedule
                continue;
            }

            return new DriverResult(result, progress, call + 1);
        }

        throw new InvalidOperationException($"{actionType.Name} was still pending after {maxCalls} calls.");
    }

    /// <summary>Executes exactly once (one attempt's first call), returning the raw result.</summary>
    public static Task<StepResult> ExecuteOnceAsync<TAction>(TestStepContext context)
        where TAction : IStepAction =>
        context.Services.GetRequiredService<TAction>().ExecuteAsync(context);

    /// <summary>Reads the outputs of a completed result as JSON.</summary>
    public static JsonElement Outputs(StepResult result) =>
        result is CompletedResult completed
            ? JsonSerializer.SerializeToElement(completed.Outputs, JsonDefaults.Options)
            : throw new Xunit.Sdk.XunitException($"Expected Completed but got {result}");
}

public sealed record DriverResult(StepResult Result, IReadOnlyList<string> Progress, int Calls)
{
    public JsonElement Outputs => ActionDriver.Outputs(Result);

    public FailedResult Failure => Result as FailedResult ?? throw new Xunit.Sdk.XunitException($"Expected Failed but got {Result}");
}
