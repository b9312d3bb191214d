using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution.Machine;

/// <summary>Which executions a committed transition stops.</summary>
public enum StopSignal
{
    /// <summary>Nothing to stop.</summary>
    None,

    /// <summary>The run is stopping: its normal steps stop; a compensation is never interrupted (it is what cleans up).</summary>
    Steps,

    /// <summary>The run has ended: everything of it stops, compensations included.</summary>
    Everything,
}

/// <summary>
/// What a committed transition asks the world to do, as an immutable value: created by <see cref="Of"/> from the
/// transaction the machine changed, and carried out after the commit by one component (<see cref="StepDispatcher"/>).
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Workflow">The run's workflow.</param>
/// <param name="Before">The run's status before the transition.</param>
/// <param name="After">The run's status after it.</param>
/// <param name="Dispatches">The jobs to create (enqueued or delayed).</param>
/// <param name="JobsToDelete">Scheduled jobs that are stale now (polls of cancelled steps).</param>
/// <param name="ReleasedKey">The concurrency key the run released, if any.</param>
/// <param name="PromotedRun">The queued run that received the released key, to start.</param>
/// <param name="InlineNext">A step this job claimed and executes next without a queue round trip.</param>
/// <param name="Audit">The audit events committed with the transition.</param>
/// <param name="WroteLogs">Whether log lines were committed (live views are told).</param>
public sealed record Effects(
    string RunId,
    string Workflow,
    RunStatus Before,
    RunStatus After,
    IReadOnlyList<Dispatch> Dispatches,
    IReadOnlyList<string> JobsToDelete,
    string? ReleasedKey,
    string? PromotedRun,
    StepRow? InlineNext,
    IReadOnlyList<AuditRow> Audit,
    bool WroteLogs)
{
    /// <summary>Gets whether the transition finished the run.</summary>
    public bool FinishedRun => Before != After && After.IsTerminal();

    /// <summary>Gets which executions of the run must stop.</summary>
    public StopSignal Stop => After switch
    {
        RunStatus.Cancelling => StopSignal.Steps,
        RunStatus.Cancelled or RunStatus.Failed => StopSignal.Everything,
        _ => StopSignal.None,
    };

    /// <summary>Freezes what a transaction asked for (after it was committed).</summary>
    public static Effects Of(RunTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return new(
            tx.Run.Id,
            tx.Run.Workflow,
            tx.StatusBefore,
            tx.Run.Status,
            [.. tx.Dispatches],
            [.. tx.JobsToDelete],
            tx.ReleaseKey,
            tx.PromotedRun,
            tx.InlineNext,
            [.. tx.Audit],
            tx.Logs.Count > 0);
    }
}
