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
public sealed class Sweeper(
    RunStore store,
    RunMachine machine,
    WorkflowCatalog catalog,
    StepDispatcher dispatcher,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<Sweeper> logger) : BackgroundService
{
    private readonly EngineOptions options = options.Value;
    private long lastPrune;

    /// <summary>Runs one sweep; returns how many steps or runs were recovered.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var recovered = 0;
        var grace = (long)options.DispatchGrace.TotalMilliseconds;
        foreach (var (runId, stepId) in await store.FindStalledAsync(machine.Now, grace, 200, ct))
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

        foreach (var runId in await store.FindIdleRunsAsync(machine.Now - grace, 100, ct))
        {
            logger.LogWarning("Run {RunId} had nothing scheduled; advancing it", runId);
            dispatcher.Kick(runId);
            recovered++;
        }

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

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sweep failed; will try again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
