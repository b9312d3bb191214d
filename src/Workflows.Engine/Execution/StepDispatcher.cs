using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;
using Workflows.Engine.Telemetry;

namespace Workflows.Engine.Execution;

/// <summary>
/// Turns committed dispatches into Hangfire jobs. Jobs carry only ids (run, step, dispatch
/// number), never inputs or secrets; a job whose number is no longer the step's does nothing.
/// </summary>
public sealed class StepDispatcher(IBackgroundJobClient jobs, RunStore store, RunSignals signals, IOptions<EngineOptions> options, ILogger<StepDispatcher> logger, EngineMetrics? metrics = null)
{
    private readonly string queue = options.Value.Queue;

    /// <summary>Does what a committed state change asked for: jobs to create or delete, runs to kick, views to notify.</summary>
    public async Task AfterCommitAsync(RunTx tx, CancellationToken ct = default)
    {
        foreach (var id in tx.JobsToDelete)
        {
            jobs.Delete(id);
        }

        foreach (var d in tx.Dispatches)
        {
            await DispatchAsync(d, ct);
        }

        if (tx.PromotedRun is { } promoted)
        {
            Kick(promoted);
        }

        // Stop running normal steps of a run that is stopping; a compensation is never interrupted by
        // another commit on its run (it is what cleans up), only by the run ending.
        if (tx.Run.Status is RunStatus.Cancelling)
        {
            signals.CancelRun(tx.Run.Id);
        }
        else if (tx.Run.Status is RunStatus.Cancelled or RunStatus.Failed)
        {
            signals.CancelRun(tx.Run.Id, includeCompensations: true);
        }

        // Every transition of a run commits through here, so this is the one place that sees a run finish.
        if (tx.RunDirty && tx.Run.Status != tx.StatusBefore && tx.Run.Status.IsTerminal())
        {
            metrics?.RunFinished(tx.Run.Workflow, tx.Run.Status.ToString());
        }

        signals.Publish(tx.Run.Id, "run");
        if (tx.Logs.Count > 0)
        {
            signals.Publish(tx.Run.Id, "log");
        }
    }

    /// <summary>Creates the job of one dispatch.</summary>
    public async Task DispatchAsync(Dispatch d, CancellationToken ct = default)
    {
        var job = Job.FromExpression<StepJob>(j => j.ExecuteAsync(d.RunId, d.StepId, d.Seq, CancellationToken.None), queue);
        if (d.Delay <= TimeSpan.Zero)
        {
            jobs.Create(job, new EnqueuedState(queue));
            return;
        }

        var id = jobs.Create(job, new ScheduledState(d.Delay));
        try
        {
            await store.SetJobIdAsync(d.RunId, d.StepId, d.Seq, id, ct);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            // Only needed to delete the job early on cancel; a stale job is harmless.
            logger.LogWarning(e, "Could not record job {JobId} of step {StepId} of run {RunId}", id, d.StepId, d.RunId);
        }
    }

    /// <summary>Enqueues a job that advances a run (starts a promoted queued run, or continues an idle one).</summary>
    public void Kick(string runId) =>
        jobs.Create(Job.FromExpression<StepJob>(j => j.AdvanceAsync(runId), queue), new EnqueuedState(queue));
}
