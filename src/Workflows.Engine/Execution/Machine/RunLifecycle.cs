using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution.Machine;

/// <content>The run's lifecycle: begin, advance the DAG, cancel, retry, settle a stopping run, finish.</content>
public sealed partial class RunMachine
{
    /// <summary>
    /// Moves a queued or new run to Running and schedules its first steps; with <paramref name="allowInline"/>, the first
    /// ready step is claimed for the caller (<see cref="RunTx.InlineNext"/>: Running on a lease, no job dispatched).
    /// </summary>
    public void Begin(RunTx tx, WorkflowDefinition def, string message, bool allowInline = false)
    {
        tx.Run.Status = RunStatus.Running;
        tx.Run.QueuedBehind = null;
        tx.Run.StartedAt ??= Now;
        tx.Run.UpdatedAt = Now;
        tx.RunDirty = true;
        Audit(tx, "run.started", message);
        Advance(tx, def, allowInline);
    }

    /// <summary>
    /// Schedules every pending step whose needs are done (evaluating <c>if:</c>), finishes the run
    /// when every step is done, and moves cancelling runs on to compensation.
    /// </summary>
    public void Advance(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var status = tx.Run.Status;
        if (status is RunStatus.Cancelling or RunStatus.Compensating)
        {
            Settle(tx, def, allowInline);
            return;
        }

        if (status != RunStatus.Running)
        {
            return;
        }

        JsonScope? scope = null;
        bool progressed;
        do
        {
            progressed = false;
            foreach (var sd in def.Steps)
            {
                var row = tx.Step(sd.Id);
                if (row is null || row.Status != StepStatus.Pending)
                {
                    continue;
                }

                var needs = sd.Needs.Select(n => tx.Step(n)!).ToList();
                if (!needs.All(n => n.Status is StepStatus.Succeeded or StepStatus.Skipped))
                {
                    continue;
                }

                if (sd.If is { } cond)
                {
                    scope ??= RunScope.Build(codec, tx.Run, tx.Steps);
                    var text = cond.Contains("${{", StringComparison.Ordinal) ? cond : "${{ " + cond + " }}";
                    if (!Expression.IsTruthy(Template.Parse(text).Evaluate(scope)))
                    {
                        row.Status = StepStatus.Skipped;
                        row.FinishedAt = Now;
                        tx.Touch(row);
                        Audit(tx, "step.skipped", $"Step '{sd.Id}' skipped: condition '{cond}' is false", sd.Id);
                        progressed = true;
                        scope = null;
                        continue;
                    }
                }

                Schedule(tx, row, def, allowInline);
                allowInline = allowInline && tx.InlineNext is null;
                progressed = true;
            }
        }
        while (progressed);

        if (tx.Steps.Where(s => s.Kind == StepKinds.Step).All(s => s.Status is StepStatus.Succeeded or StepStatus.Skipped))
        {
            Finish(tx, RunStatus.Succeeded, "Run succeeded");
        }
    }

    /// <summary>Cancels a run on an operator's request.</summary>
    public void Cancel(RunTx tx, WorkflowDefinition def, string actor, string? reason)
    {
        var run = tx.Run;
        var message = $"Cancelled by {actor}" + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}");
        Audit(tx, "run.cancel.requested", message, actor: actor);
        if (run.Status == RunStatus.Queued)
        {
            run.Error = message;
            Finish(tx, RunStatus.Cancelled, message, releaseKey: false);
            return;
        }

        run.Cause = "cancelled";
        run.Error = message;
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        if (run.Status == RunStatus.Compensating)
        {
            return; // compensation already undoes everything; it ends as Cancelled.
        }

        run.Status = RunStatus.Cancelling;
        StopActiveSteps(tx, "The run was cancelled");
        Settle(tx, def, allowInline: false);
    }

    /// <summary>Resets a failed or cancelled run so that it continues from its failed steps.</summary>
    public void Retry(RunTx tx, WorkflowDefinition def, string actor, string? fromStep, IReadOnlyCollection<string> editedInputs, bool queued, string? holder)
    {
        var reset = new HashSet<string>(StringComparer.Ordinal);
        if (fromStep is not null)
        {
            reset.Add(fromStep);
            foreach (var s in def.Steps.Where(s => Dag.Ancestors(def.Steps, s.Id).Contains(fromStep)))
            {
                reset.Add(s.Id);
            }
        }

        foreach (var row in tx.Steps.Where(s => s.Kind == StepKinds.Step))
        {
            var needsReset = reset.Contains(row.StepId)
                || row.Status is StepStatus.Failed or StepStatus.Cancelled or StepStatus.Compensated
                || (row.Status == StepStatus.Skipped && fromStep is null);
            if (!needsReset)
            {
                continue;
            }

            if (row.Status == StepStatus.Compensated)
            {
                // What it did was undone: in the new round it has not started (a cancel before it starts again
                // must not compensate it twice). A failed or cancelled step keeps its start: its leftovers may remain.
                row.StartedAt = null;
                row.StartOrder = null;
            }

            row.Status = StepStatus.Pending;
            row.AttemptBase = row.Attempt;
            row.PollCount = 0;
            row.State = null;
            row.Signal = null;
            row.Outputs = null;
            row.Progress = null;
            row.ErrorCode = null;
            row.ErrorMessage = null;
            row.ErrorRetryable = null;
            row.FinishedAt = null;
            row.DeadlineAt = null;
            row.NextAction = null;
            row.NextPollAt = null;
            row.LeaseUntil = null;
            tx.Touch(row);
        }

        var run = tx.Run;
        run.Error = null;
        run.FailedStep = null;
        run.Cause = null;
        run.FinishedAt = null;
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        var msg = $"Retry requested by {actor}" + (fromStep is null ? " from the failed steps" : $" from step '{fromStep}'")
            + (editedInputs.Count > 0 ? $" with edited inputs: {string.Join(", ", editedInputs)}" : "");
        Audit(tx, "run.retried", msg, actor: actor);
        if (queued)
        {
            run.Status = RunStatus.Queued;
            run.QueuedBehind = holder;
            Audit(tx, "run.queued", $"Waiting for run {holder} which holds concurrency key '{run.ConcurrencyKey}'");
            return;
        }

        run.Status = RunStatus.Running;
        Advance(tx, def, allowInline: false);
    }

    /// <summary>Continues a cancelling or compensating run: compensates once nothing runs, then finishes it.</summary>
    public void Settle(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var run = tx.Run;
        if (run.Status == RunStatus.Cancelling)
        {
            if (tx.Steps.Any(s => s.Kind == StepKinds.Step && s.Status is StepStatus.Running or StepStatus.Scheduled or StepStatus.Waiting))
            {
                return;
            }

            BeginCompensation(tx, def, allowInline);
            return;
        }

        if (run.Status == RunStatus.Compensating)
        {
            if (tx.Steps.Any(s => s.Kind == StepKinds.Step && s.Status is StepStatus.Running or StepStatus.Scheduled or StepStatus.Waiting))
            {
                return;
            }

            ScheduleNextCompensation(tx, def, allowInline);
        }
    }

    private void StopActiveSteps(RunTx tx, string reason)
    {
        foreach (var s in tx.Steps.Where(s => s.Kind == StepKinds.Step))
        {
            switch (s.Status)
            {
                case StepStatus.Pending:
                    s.Status = StepStatus.Cancelled;
                    s.FinishedAt = Now;
                    tx.Touch(s);
                    break;
                case StepStatus.Scheduled or StepStatus.Waiting:
                    if (s.JobId is { } job)
                    {
                        tx.JobsToDelete.Add(job);
                    }

                    // An attempt is still open when the next job would poll it or resume it (its worker was lost);
                    // before a new attempt (first or retry) the last one has already ended.
                    if (s.NextAction is NextActions.Poll or NextActions.Resume)
                    {
                        EndAttempt(tx, s, AttemptStatus.Cancelled, "cancelled", reason, null);
                    }

                    s.Status = StepStatus.Cancelled;
                    s.DispatchSeq++; // makes any queued job for it stale
                    s.FinishedAt = Now;
                    s.NextAction = null;
                    s.NextPollAt = null;
                    tx.Touch(s);
                    Audit(tx, "step.cancelled", $"Step '{s.StepId}' cancelled: {reason}", s.StepId);
                    break;
            }
        }
    }

    private void FinishStopped(RunTx tx)
    {
        var cancelled = tx.Run.Cause == "cancelled";
        Finish(tx, cancelled ? RunStatus.Cancelled : RunStatus.Failed, tx.Run.Error ?? (cancelled ? "Run cancelled" : "Run failed"));
    }

    private void Finish(RunTx tx, RunStatus status, string message, bool releaseKey = true)
    {
        var run = tx.Run;
        run.Status = status;
        run.FinishedAt = Now;
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        if (releaseKey && run.ConcurrencyKey is not null)
        {
            tx.ReleaseKey = run.ConcurrencyKey;
        }

        Audit(tx, "run.finished", $"Run {status.ToString().ToLowerInvariant()}: {message}");
    }
}
