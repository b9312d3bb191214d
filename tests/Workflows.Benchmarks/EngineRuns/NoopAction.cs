using System.Collections.Concurrent;
using System.Diagnostics;
using Workflows.Abstractions.Actions;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>Records when each step's action ran (in-process, Stopwatch ticks).</summary>
internal sealed class StepRecorder
{
    private readonly ConcurrentDictionary<(Guid Run, string Step), (long Start, long End)> steps = new();
    private readonly ConcurrentDictionary<Guid, int> perRun = new();
    private long executions;

    /// <summary>Gets how many actions ran in all (the progress of a workload).</summary>
    public long Executions() => Interlocked.Read(ref executions);

    public int ExecutionsOf(Guid run) => perRun.GetValueOrDefault(run);

    public void Record(Guid run, string step, long start)
    {
        steps[(run, step)] = (start, Stopwatch.GetTimestamp());
        perRun.AddOrUpdate(run, 1, (_, n) => n + 1);
        Interlocked.Increment(ref executions);
    }

    /// <summary>Gets the gaps from the end of one action to the start of the next one of the same run.</summary>
    public IEnumerable<double> Gaps(IEnumerable<Guid> runs, IReadOnlyList<string> stepIds)
    {
        foreach (var r in runs)
        {
            for (var i = 1; i < stepIds.Count; i++)
            {
                if (steps.TryGetValue((r, stepIds[i - 1]), out var prev) && steps.TryGetValue((r, stepIds[i]), out var next))
                {
                    yield return Stopwatch.GetElapsedTime(prev.End, next.Start).TotalMilliseconds;
                }
            }
        }
    }
}

/// <summary>The benchmark's step: does nothing and completes (<c>bench.noop</c>).</summary>
internal sealed class NoopAction(StepRecorder recorder) : IStepAction
{
    private static readonly Task<StepResult> Done = Task.FromResult<StepResult>(StepResult.Completed());

    public Task<StepResult> ExecuteAsync(StepContext context)
    {
        recorder.Record(context.RunId, context.StepId, Stopwatch.GetTimestamp());
        return Done;
    }
}
