using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.TestHost;

/// <summary>
/// Records side effects under idempotency keys, so tests can check "exactly once" across crashes:
/// in memory for in-process tests, and as files in <see cref="Directory"/> across processes.
/// </summary>
public static class Effects
{
    private static readonly ConcurrentDictionary<string, int> Executions = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<string> Order = new();

    /// <summary>Gets or sets a folder where each effect is a file (for cross-process tests).</summary>
    public static string? Directory { get; set; } = Environment.GetEnvironmentVariable("WF_TEST_EFFECTS");

    /// <summary>Records one execution and returns whether the effect already existed (adopted).</summary>
    public static bool Apply(string key)
    {
        Executions.AddOrUpdate(key, 1, (_, n) => n + 1);
        Order.Enqueue(key);
        if (Directory is null)
        {
            return false;
        }

        var path = Path.Combine(Directory, Uri.EscapeDataString(key));
        try
        {
            // CreateNew is atomic: a second execution finds the effect and adopts it.
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            return false;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.AppendAllText(path + ".adopted", "x");
            return true;
        }
    }

    /// <summary>
    /// Gets or sets a file that holds gated steps: while it exists, a test.record step with <c>gated: true</c>
    /// keeps working, so a test can kill the server while such a step certainly runs.
    /// </summary>
    public static string? Gate { get; set; } = Environment.GetEnvironmentVariable("WF_TEST_GATE");

    /// <summary>Gets how often a key was executed in this process.</summary>
    public static int ExecutionsOf(string key) => Executions.GetValueOrDefault(key);

    /// <summary>Gets the keys in execution order.</summary>
    public static IReadOnlyList<string> ExecutionOrder => [.. Order];
}

/// <summary>Inputs of test.record.</summary>
public sealed class RecordInputs
{
    /// <summary>Gets or sets a value echoed as output.</summary>
    public JsonNode? Value { get; set; }

    /// <summary>Gets or sets how many first attempts fail (retryable).</summary>
    public int FailTimes { get; set; }

    /// <summary>Gets or sets whether every attempt fails with a non-retryable error.</summary>
    public bool FailHard { get; set; }

    /// <summary>Gets or sets the error code of failures.</summary>
    public string FailCode { get; set; } = "test.failure";

    /// <summary>Gets or sets how long the action works before answering (honours cancellation).</summary>
    public int SleepMs { get; set; }

    /// <summary>Gets or sets a secret to log (to test redaction).</summary>
    public Secret? Password { get; set; }

    /// <summary>Gets or sets whether the action keeps working while <see cref="Effects.Gate"/> exists (honours cancellation).</summary>
    public bool Gated { get; set; }

    /// <summary>Gets or sets whether the action records its resource in the ledger and then fails (non-retryable).</summary>
    public bool RecordThenFail { get; set; }
}

/// <summary>test.record: applies an idempotent effect under its key, optionally failing or sleeping first.</summary>
public sealed class RecordAction : StepAction<RecordInputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(RecordInputs inputs, StepContext context)
    {
        if (inputs.Password is not null)
        {
            context.Log.WriteLine($"connecting with password {inputs.Password.Reveal()}");
        }

        if (inputs.SleepMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(inputs.SleepMs), context.Clock, context.CancellationToken);
        }

        while (inputs.Gated && Effects.Gate is { } gate && File.Exists(gate))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), context.Clock, context.CancellationToken);
        }

        // As an action honouring its token would: an execution stopped while it waited (its lease lost) applies nothing,
        // even if the gate went away in the same moment.
        context.CancellationToken.ThrowIfCancellationRequested();

        if (inputs.RecordThenFail)
        {
            await context.Resources.RecordAsync(new ResourceRecord("test.thing", context.IdempotencyKey, context.StepId, "test"));
            return StepResult.Failed(inputs.FailCode, $"step {context.StepId} created its thing, then failed on purpose", retryable: false);
        }

        if (inputs.FailHard)
        {
            return StepResult.Failed(inputs.FailCode, $"step {context.StepId} fails on purpose", retryable: false);
        }

        if (context.Attempt <= inputs.FailTimes)
        {
            return StepResult.Failed(inputs.FailCode, $"attempt {context.Attempt} fails on purpose", retryable: true);
        }

        var adopted = Effects.Apply(context.IdempotencyKey);
        context.Log.WriteLine($"{context.StepId}: effect {(adopted ? "adopted" : "applied")} (attempt {context.Attempt})");
        await context.Resources.RecordAsync(new ResourceRecord("test.thing", context.IdempotencyKey, context.StepId, "test"));
        return StepResult.Completed(new JsonObject { ["value"] = inputs.Value?.DeepClone(), ["attempt"] = context.Attempt, ["adopted"] = adopted });
    }
}

/// <summary>Inputs of test.wait.</summary>
public sealed class WaitInputs
{
    /// <summary>Gets or sets how many polls to wait.</summary>
    public int Polls { get; set; } = 3;

    /// <summary>Gets or sets the delay between polls in milliseconds.</summary>
    public int IntervalMs { get; set; } = 100;
}

/// <summary>test.wait: Pending for a number of polls, then completes.</summary>
public sealed class WaitAction : StepAction<WaitInputs>
{
    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(WaitInputs inputs, StepContext context)
    {
        var seen = context.GetState<WaitState>()?.Seen ?? 0;
        if (seen == 0)
        {
            Effects.Apply(context.IdempotencyKey);
        }

        context.Log.WriteLine($"poll {seen}/{inputs.Polls}");
        if (seen >= inputs.Polls)
        {
            return Task.FromResult<StepResult>(StepResult.Completed(new JsonObject { ["polls"] = seen }));
        }

        return Task.FromResult<StepResult>(StepResult.Pending(TimeSpan.FromMilliseconds(inputs.IntervalMs), $"poll {seen + 1}/{inputs.Polls}", new WaitState(seen + 1)));
    }

    private sealed record WaitState(int Seen);
}

/// <summary>Inputs of test.undo.</summary>
public sealed class UndoInputs
{
    /// <summary>Gets or sets what is undone (for the record).</summary>
    public string? What { get; set; }

    /// <summary>Gets or sets how long the undo works (honours cancellation).</summary>
    public int SleepMs { get; set; }

    /// <summary>Gets or sets whether the undo fails (non-retryable) without deleting anything.</summary>
    public bool Fail { get; set; }

    /// <summary>Gets or sets a file: while it exists the undo keeps working (honours cancellation), so a test acts while it surely runs.</summary>
    public string? HoldWhile { get; set; }
}

/// <summary>test.undo: a compensation that records which step it undid, in order.</summary>
public sealed class UndoAction : StepAction<UndoInputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(UndoInputs inputs, StepContext context)
    {
        if (inputs.SleepMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(inputs.SleepMs), context.Clock, context.CancellationToken);
        }

        while (inputs.HoldWhile is { Length: > 0 } hold && File.Exists(hold))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), context.Clock, context.CancellationToken);
        }

        var target = context.Compensating?.StepId ?? "?";
        if (inputs.Fail)
        {
            return StepResult.Failed("test.undo.failed", $"cannot undo {target}: the test cloud is unreachable on purpose", retryable: false);
        }

        Effects.Apply($"undo:{context.RunId}:{target}");
        await context.Resources.MarkDeletedAsync("test.thing", context.Compensating!.IdempotencyKey, "test");
        return StepResult.Completed(new JsonObject { ["undone"] = target, ["what"] = inputs.What });
    }
}

/// <summary>Inputs of test.poll.</summary>
public sealed class PollInputs
{
    /// <summary>Gets or sets how many polls to wait.</summary>
    public int Polls { get; set; } = 3;
}

/// <summary>test.poll: Pending on the step's poll schedule for a number of polls, then completes.</summary>
public sealed class PollAction : StepAction<PollInputs>
{
    /// <summary>Gets the schedule test.poll declares: 100 ms doubling up to 400 ms.</summary>
    public static Workflows.Abstractions.Definitions.PollSchedule Schedule { get; } = new(TimeSpan.FromMilliseconds(100), 2, TimeSpan.FromMilliseconds(400));

    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(PollInputs inputs, StepContext context)
    {
        context.Log.WriteLine($"poll {context.PollCount}/{inputs.Polls}");
        return Task.FromResult<StepResult>(context.PollCount >= inputs.Polls
            ? StepResult.Completed(new JsonObject { ["polls"] = context.PollCount })
            : StepResult.Pending($"poll {context.PollCount + 1}/{inputs.Polls}"));
    }
}

/// <summary>Registration of the test actions.</summary>
public static class TestActionRegistration
{
    /// <summary>Adds test.record, test.wait, test.poll and test.undo.</summary>
    public static IServiceCollection AddTestActions(this IServiceCollection services) =>
        services.AddWorkflowAction<RecordAction>("test.record")
            .AddWorkflowAction<WaitAction>("test.wait")
            .AddWorkflowAction<PollAction>("test.poll", "Waits a number of polls on the step's schedule", PollAction.Schedule)
            .AddWorkflowAction<UndoAction>("test.undo");
}
