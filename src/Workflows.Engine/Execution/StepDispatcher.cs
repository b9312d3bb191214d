using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
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

    /// <summary>Does what a committed state change asked for (see <see cref="RunAsync"/>).</summary>
    public Task AfterCommitAsync(RunTx tx, CancellationToken ct = default) => RunAsync(Effects.Of(tx), ct);

    /// <summary>
    /// Carries out the effects of a committed transition: jobs to delete and to create, the promoted run to start,
    /// executions to stop, the finished-run metric, and live views to notify. The only place that does.
    /// </summary>
    public async Task RunAsync(Effects effects, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(effects);
        foreach (var id in effects.JobsToDelete)
        {
            jobs.Delete(id);
        }

        foreach (var d in effects.Dispatches)
        {
            await DispatchAsync(d, ct);
        }

        if (effects.PromotedRun is { } promoted)
        {
            Kick(promoted);
        }

        switch (effects.Stop)
        {
            case StopSignal.Steps:
                signals.CancelRun(effects.RunId);
                break;
            case StopSignal.Everything:
                signals.CancelRun(effects.RunId, includeCompensations: true);
                break;
        }

        // Every transition of a run commits through here, so this is the one place that sees a run finish.
        if (effects.FinishedRun)
        {
            metrics?.RunFinished(effects.Workflow, effects.After.ToString());
        }

        signals.Publish(effects.RunId, "run");
        if (effects.WroteLogs)
        {
            signals.Publish(effects.RunId, "log");
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
