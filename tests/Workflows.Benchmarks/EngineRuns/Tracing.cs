using System.Diagnostics;
using Workflows.Engine.Storage;
using Workflows.Engine.Telemetry;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>The cost of tracing per step: an <see cref="ActivityListener"/> that samples every engine span, on or off.</summary>
internal static class Tracing
{
    /// <summary>Starts recording every span of the engine (and of SSH commands); dispose to stop.</summary>
    public static ActivityListener Everything()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is EngineTelemetry.ActivitySourceName or "Workflows.DevStack",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _ = a.Duration, // what an exporter's processor would read
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>
    /// Measures the engine's span code for one step execution in isolation (start with the run's stored
    /// parent, the six attributes, the outcome, stop): nanoseconds per step with nothing listening and with
    /// every span recorded.
    /// </summary>
    public static (double OffNs, double OnNs) PerStep(int steps)
    {
        var run = new RunRow { Id = Guid.NewGuid().ToString(), Workflow = "bench-10", TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01" };
        var row = new StepRow { RunId = run.Id, StepId = "s1", Attempt = 1 };
        double Measure()
        {
            for (var i = 0; i < 1000; i++)
            {
                Once();
            }

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++)
            {
                Once();
            }

            return watch.Elapsed.TotalNanoseconds / steps;
        }

        void Once()
        {
            using var span = EngineTelemetry.StartStep(run, row, "bench.noop");
            span?.SetTag(EngineTelemetry.OutcomeTag, "succeeded");
        }

        var off = Measure();
        using (Everything())
        {
            return (off, Measure());
        }
    }
}
