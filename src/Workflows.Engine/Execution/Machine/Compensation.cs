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

/// <content>Compensation: which started steps to undo, in reverse order of their start, one at a time.</content>
public sealed partial class RunMachine
{
    // Failures that cut an execution short: the action could not report what it had done.
    private static readonly HashSet<string> Interruptions = new(StringComparer.Ordinal) { "cancelled", "timeout", "execution.too-long", "error", "worker.lost" };

    /// <summary>
    /// Whether a step may have created something to undo: it succeeded or has outputs, it saved state
    /// or waited on something, the ledger has records of it, or its last failure left the outcome
    /// unknown (retryable, interrupted, or not recorded at all).
    /// </summary>
    private static bool MayHaveCreated(RunTx tx, StepRow s) =>
        s.Status == StepStatus.Succeeded
        || s.Outputs is not null
        || s.State is not null
        || s.PollCount > 0
        || tx.Resources.Any(r => r.StepId == s.StepId)
        || s.ErrorRetryable != false
        || (s.ErrorCode is { } code && Interruptions.Contains(code));

    /// <summary>What the ledger knows about a step's resources, for the message of a failed compensation.</summary>
    private static string LedgerSays(RunTx tx, string stepId)
    {
        var records = tx.Resources.Where(r => r.StepId == stepId).ToList();
        var alive = records.Where(r => r.DeletedAt is null).ToList();
        if (alive.Count > 0)
        {
            const int Shown = 5;
            var list = string.Join(", ", alive.Take(Shown).Select(r => $"{r.Kind} {r.ExternalId}" + (string.IsNullOrEmpty(r.Name) ? "" : $" ({r.Name})") + (string.IsNullOrEmpty(r.Provider) ? "" : $" on {r.Provider}")));
            return $"the ledger lists {alive.Count} resource{(alive.Count == 1 ? "" : "s")} of this step still alive: {list}{(alive.Count > Shown ? $" and {alive.Count - Shown} more" : "")}";
        }

        return records.Count > 0
            ? $"the ledger lists {(records.Count == 1 ? "its one resource" : $"all {records.Count} of its resources")} as deleted"
            : "the ledger lists no resource of this step";
    }

    private void BeginCompensation(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var run = tx.Run;
        var hold = run.Cause == "failed" && def.OnFailure == FailurePolicy.Hold;
        var candidates = hold ? [] : tx.Steps
            .Where(s => s.Kind == StepKinds.Step && s.StartedAt is not null && s.Status != StepStatus.Compensated && def.FindStep(s.StepId)?.Compensate is not null)
            .OrderByDescending(s => s.StartOrder)
            .ToList();
        var targets = new List<StepRow>();
        foreach (var c in candidates)
        {
            if (MayHaveCreated(tx, c))
            {
                targets.Add(c);
                continue;
            }

            // Undoing what was never done only fails for the same reason the step did, and raises a false alarm.
            var why = $"nothing to undo: step '{c.StepId}' created nothing (it failed with [{c.ErrorCode}] before recording a resource, saving state or producing outputs)";
            Audit(tx, "step.compensation.skipped", $"Compensation of '{c.StepId}' skipped: {why}", c.StepId);
            Log(tx, c.StepId, $"Compensation of '{c.StepId}' skipped: {why}");
        }

        if (targets.Count == 0)
        {
            FinishStopped(tx);
            return;
        }

        var pos = 1000;
        foreach (var t in targets)
        {
            var id = StepKinds.CompensationPrefix + t.StepId;
            var row = tx.Step(id);
            if (row is null)
            {
                row = new StepRow { RunId = run.Id, StepId = id, Kind = StepKinds.Compensation, IsNew = true };
                tx.Steps.Add(row);
            }

            row.Position = pos++;
            row.Status = StepStatus.Pending;
            row.AttemptBase = row.Attempt;
            row.State = null;
            row.Outputs = null;
            row.ErrorCode = null;
            row.ErrorMessage = null;
            row.FinishedAt = null;
            row.DeadlineAt = null;
            row.StartedAt = null;
            tx.Touch(row);
        }

        run.Status = RunStatus.Compensating;
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        Audit(tx, "run.compensating", $"Compensating {targets.Count} step(s) in reverse order: {string.Join(", ", targets.Select(t => t.StepId))}");
        ScheduleNextCompensation(tx, def, allowInline);
    }

    private void ScheduleNextCompensation(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var comps = tx.Steps.Where(s => s.Kind == StepKinds.Compensation).OrderBy(s => s.Position).ToList();
        if (comps.Any(s => s.Status is StepStatus.Running or StepStatus.Scheduled or StepStatus.Waiting))
        {
            return;
        }

        var next = comps.FirstOrDefault(s => s.Status == StepStatus.Pending);
        if (next is null)
        {
            FinishStopped(tx);
            return;
        }

        Schedule(tx, next, def, allowInline);
    }

    private void CompensationDone(RunTx tx, WorkflowDefinition def, StepRow comp, bool allowInline)
    {
        var target = tx.Step(comp.StepId[StepKinds.CompensationPrefix.Length..]);
        if (comp.Status == StepStatus.Succeeded && target is not null)
        {
            target.Status = StepStatus.Compensated;
            tx.Touch(target);
            Audit(tx, "step.compensated", $"Step '{target.StepId}' compensated", target.StepId);
        }
        else if (comp.Status == StepStatus.Failed)
        {
            var run = tx.Run;
            var id = target?.StepId ?? comp.StepId[StepKinds.CompensationPrefix.Length..];
            run.Error = $"{run.Error}; compensation of '{id}' failed: {comp.ErrorMessage}; {LedgerSays(tx, id)}".TrimStart(';', ' ');
            tx.RunDirty = true;
        }

        ScheduleNextCompensation(tx, def, allowInline);
    }
}
