using System.Diagnostics.Metrics;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Telemetry;

/// <summary>
/// The engine's metrics on the <c>Workflows</c> meter: runs started and finished, step executions and
/// their duration, and gauges of waiting runs and of the ready-step queue read from the database.
/// </summary>
/// <remarks>
/// Tags are names the definition chose (workflow, action, status), never input values, so no secret
/// can reach a label. The gauges run one cheap query, cached for <see cref="GaugeCacheTime"/>, however
/// many gauges are observed and however often a scraper asks.
/// </remarks>
public sealed class EngineMetrics : IDisposable
{
    /// <summary>How long one read of the gauges is reused.</summary>
    public static readonly TimeSpan GaugeCacheTime = TimeSpan.FromSeconds(5);

    private readonly Meter meter;
    private readonly Counter<long> runsStarted;
    private readonly Counter<long> runsFinished;
    private readonly Counter<long> executions;
    private readonly Counter<long> retries;
    private readonly Histogram<double> stepDuration;
    private readonly RunStore? store;
    private readonly TimeProvider clock;
    private readonly Lock gate = new();
    private Snapshot? last;
    private long lastAt;

    /// <summary>Initializes a new instance of the <see cref="EngineMetrics"/> class.</summary>
    /// <param name="meters">Creates the meter (and disposes it with the container).</param>
    /// <param name="clock">The clock.</param>
    /// <param name="store">The store the gauges read; null for no gauges (benchmarks, unit tests).</param>
    public EngineMetrics(IMeterFactory meters, TimeProvider clock, RunStore? store = null)
    {
        this.clock = clock;
        this.store = store;
        meter = meters.Create(EngineTelemetry.MeterName);
        runsStarted = meter.CreateCounter<long>("workflows.runs.started", "{run}", "Runs created, by workflow and trigger");
        runsFinished = meter.CreateCounter<long>("workflows.runs.finished", "{run}", "Runs that reached succeeded, failed or cancelled, by workflow and status");
        executions = meter.CreateCounter<long>("workflows.step.executions", "{execution}", "Step executions, by action and kind (attempt or poll)");
        retries = meter.CreateCounter<long>("workflows.step.retries", "{attempt}", "Step attempts after the first of their round, by action");
        stepDuration = meter.CreateHistogram<double>(
            "workflows.step.duration",
            "s",
            "Duration of one step execution (an attempt or a poll), by action and outcome",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        if (store is not null)
        {
            meter.CreateObservableGauge("workflows.runs.waiting", () => Read()?.Waiting ?? 0, "{run}", "Running runs with a step waiting (a poll, a retry backoff or an approval) and none executing");
            meter.CreateObservableGauge("workflows.runs.queued", () => Read()?.Queued ?? 0, "{run}", "Runs queued behind another run with the same concurrency key");
            meter.CreateObservableGauge("workflows.steps.ready", () => Read()?.Ready ?? 0, "{step}", "Steps handed to the worker queue (or due for a poll) and not yet started");
            meter.CreateObservableGauge("workflows.steps.ready.oldest_age", () => Read()?.OldestAge ?? 0, "s", "Age of the oldest ready step: how long work has waited for a worker");
        }
    }

    /// <summary>Counts a created run.</summary>
    public void RunStarted(string workflow, string trigger) =>
        runsStarted.Add(1, new("workflow", workflow), new("trigger", trigger.ToLowerInvariant()));

    /// <summary>Counts a run that reached a terminal status.</summary>
    public void RunFinished(string workflow, string status) =>
        runsFinished.Add(1, new("workflow", workflow), new("status", status.ToLowerInvariant()));

    /// <summary>Records one execution of a step.</summary>
    /// <param name="action">The action's name.</param>
    /// <param name="poll">Whether it was a poll rather than an attempt.</param>
    /// <param name="retry">Whether it was an attempt after the first of its round.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="seconds">How long it took.</param>
    public void StepExecuted(string action, bool poll, bool retry, string outcome, double seconds)
    {
        executions.Add(1, new("action", action), new("kind", poll ? "poll" : "attempt"));
        if (retry)
        {
            retries.Add(1, new KeyValuePair<string, object?>("action", action));
        }

        stepDuration.Record(seconds, new("action", action), new("outcome", outcome));
    }

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();

    private Snapshot? Read()
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            if (last is not null && clock.GetElapsedTime(lastAt, now) < GaugeCacheTime)
            {
                return last;
            }

            try
            {
                // Synchronous by necessity (observable instruments are callbacks); indexed, and at most once per cache period.
                last = Query(store!, clock.GetUtcNow().ToUnixTimeMilliseconds()).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // A scrape must not fail because the database is down: the gauges are left out until it is back.
                last = null;
            }

            lastAt = now;
            return last;
        }
    }

    private static async Task<Snapshot> Query(RunStore store, long now)
    {
        await store.FoldRunCountsAsync(CancellationToken.None);
        var g = await store.ReadModel.GaugesAsync(now, CancellationToken.None);
        return new Snapshot(g.Waiting, g.Queued, g.Ready, g.OldestReadyAt is { } o ? Math.Max(0, now - o) / 1000.0 : 0);
    }

    private sealed record Snapshot(long Waiting, long Queued, long Ready, double OldestAge);
}
