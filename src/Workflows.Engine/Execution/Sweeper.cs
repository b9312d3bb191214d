using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Finds work that lost its worker (a killed server) or whose job never ran, and dispatches it
/// again; also prunes old log chunks. Safe to run on every server at once: every change is
/// conditional on the dispatch number.
/// </summary>
/// <remarks>
/// Two cadences. Expired leases are looked for when the earliest running lease ends (one indexed statement; at least
/// <see cref="EngineOptions.SweepInterval"/> apart, at most <see cref="EngineOptions.LeaseDuration"/>), so a killed
/// server's running steps are taken over within one lease plus one sweep interval, while an idle server or one whose
/// runs all wait sends one statement per lease. Overdue dispatches and stalled runs, which only count once they are
/// <see cref="EngineOptions.DispatchGrace"/> late, are looked for every half grace. The grace is lengthened by the
/// current backlog (<see cref="IQueueBacklog"/>: how long the oldest ready job has waited for a worker), so a dispatch
/// merely queued behind other work is not dispatched again — which would only feed the backlog — while a lost one still
/// is once it is later than the grace plus the backlog.
/// </remarks>
public sealed class Sweeper(
    RunStore store,
    RunMachine machine,
    WorkflowCatalog catalog,
    StepDispatcher dispatcher,
    IQueueBacklog backlog,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<Sweeper> logger) : BackgroundService
{
    private readonly EngineOptions options = options.Value;
    private long lastPrune;

    /// <summary>Runs one full sweep (expired leases, overdue dispatches, stalled runs, pruning); returns how many steps or runs were recovered.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var queued = await backlog.MeasureAsync(ct);
        var grace = (long)(options.DispatchGrace + queued).TotalMilliseconds;
        if (queued > options.DispatchGrace)
        {
            logger.LogInformation("The oldest ready job has waited {Backlog} for a worker; dispatches count as lost only after {Grace} s", queued, grace / 1000);
        }

        var recovered = await RecoverAsync(await store.FindStalledAsync(machine.Now, grace, 200, ct), grace, ct);

        foreach (var runId in await store.FindIdleRunsAsync(machine.Now - grace, 100, ct))
        {
            logger.LogWarning("Run {RunId} had nothing scheduled; advancing it", runId);
            dispatcher.Kick(runId);
            recovered++;
        }

        // Keeps the journal of Running runs short whether or not anyone scrapes /metrics.
        await store.FoldRunCountsAsync(ct);

        if (machine.Now - lastPrune > TimeSpan.FromHours(1).TotalMilliseconds)
        {
            lastPrune = machine.Now;
            var before = machine.Now - (long)options.LogRetention.TotalMilliseconds;
            var deleted = await store.Retention.PruneLogsAsync(before, ct);
            if (deleted > 0)
            {
                logger.LogInformation("Pruned {Count} log chunks of runs finished before the retention of {Days} days", deleted, options.LogRetention.TotalDays);
            }

            if (options.RunRetention is { } keep)
            {
                var cutoff = machine.Now - (long)keep.TotalMilliseconds;
                var runs = 0;
                for (var batch = 0; batch < 20; batch++)
                {
                    var n = await store.Retention.PruneRunsAsync(cutoff, 200, ct);
                    runs += n;
                    if (n < 200)
                    {
                        break;
                    }
                }

                if (runs > 0)
                {
                    logger.LogInformation("Pruned {Count} runs finished before the run retention of {Days} days (runs with live resources or undelivered notifications are kept)", runs, keep.TotalDays);
                }
            }
        }

        return recovered;
    }

    /// <summary>
    /// Takes over the running steps whose lease ended (their worker was lost); returns how many, and when the earliest
    /// lease still running ends (Unix ms; now when more expired leases are left than one call takes, null when no step runs).
    /// </summary>
    public async Task<(int Recovered, long? NextExpiry)> RecoverExpiredLeasesAsync(CancellationToken ct)
    {
        const int Max = 200;
        var (expired, next) = await store.FindExpiredLeasesAsync(machine.Now, Max, ct);
        var recovered = await RecoverAsync(expired, (long)options.DispatchGrace.TotalMilliseconds, ct);
        return (recovered, expired.Count == Max ? machine.Now : next);
    }

    /// <summary>How long to wait before the next look at leases: until the earliest running lease ends, within [SweepInterval, LeaseDuration].</summary>
    internal static TimeSpan NextLeaseCheck(long now, long? nextExpiry, EngineOptions options)
    {
        var until = nextExpiry is { } at ? TimeSpan.FromMilliseconds(at - now + 1) : options.LeaseDuration;
        return until < options.SweepInterval ? options.SweepInterval : until > options.LeaseDuration ? options.LeaseDuration : until;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fullEvery = options.DispatchGrace / 2 > options.SweepInterval ? options.DispatchGrace / 2 : options.SweepInterval;
        long? lastFull = null;
        while (true)
        {
            var wait = options.SweepInterval;
            try
            {
                if (lastFull is null || clock.GetElapsedTime(lastFull.Value) >= fullEvery)
                {
                    lastFull = clock.GetTimestamp();
                    await SweepAsync(stoppingToken);
                }

                var (_, next) = await RecoverExpiredLeasesAsync(stoppingToken);
                wait = NextLeaseCheck(machine.Now, next, options);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sweep failed; will try again");
            }

            var untilFull = fullEvery - clock.GetElapsedTime(lastFull ?? clock.GetTimestamp());
            if (untilFull < wait)
            {
                wait = untilFull > TimeSpan.Zero ? untilFull : TimeSpan.Zero;
            }

            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<int> RecoverAsync(List<(string RunId, string StepId)> steps, long grace, CancellationToken ct)
    {
        var recovered = 0;
        foreach (var (runId, stepId) in steps)
        {
            var tx = await store.MutateAsync(
                runId,
                async t =>
                {
                    var def = await catalog.GetVersionAsync(t.Run.Version, ct);
                    if (def is null || !machine.Recover(t, def, stepId, grace))
                    {
                        t.Abort();
                    }
                },
                ct);
            if (tx is { Aborted: false })
            {
                recovered++;
                logger.LogWarning("Recovered step {StepId} of run {RunId}", stepId, runId);
                await dispatcher.AfterCommitAsync(tx, ct);
            }
        }

        return recovered;
    }
}
