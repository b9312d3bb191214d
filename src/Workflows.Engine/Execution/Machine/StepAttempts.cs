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

/// <content>A step's attempts: scheduling, claiming, starting, applying a result (success, wait, failure, retry), recovery.</content>
public sealed partial class RunMachine
{
    /// <summary>Hands a step to a worker: claims it for the current job when allowed, else dispatches a job.</summary>
    public void Schedule(RunTx tx, StepRow row, WorkflowDefinition def, bool allowInline, TimeSpan delay = default, string next = NextActions.Attempt)
    {
        row.DispatchSeq++;
        row.DispatchedAt = Now;
        row.NextAction = next;
        row.Status = delay > TimeSpan.Zero || next == NextActions.Poll ? StepStatus.Waiting : StepStatus.Scheduled;
        row.NextPollAt = delay > TimeSpan.Zero ? Now + (long)delay.TotalMilliseconds : null;
        row.JobId = null;
        tx.Touch(row);
        if (allowInline && delay <= TimeSpan.Zero && tx.InlineNext is null && next == NextActions.Attempt)
        {
            StartAttempt(tx, row, def);
            if (row.Status == StepStatus.Running)
            {
                tx.InlineNext = row;
            }

            return;
        }

        tx.Dispatches.Add(new Dispatch(tx.Run.Id, row.StepId, row.DispatchSeq, delay));
    }

    /// <summary>
    /// Claims a dispatched step for the job that carries <paramref name="seq"/>, when <see cref="Admission.Decide"/>
    /// admits it as <see cref="AdmissionKind.Claimed"/>: starts a new attempt, or resumes the attempt whose worker was
    /// lost. Returns whether the step is now running for this job; starting can also fail the step on its deadline
    /// (a change to commit, though nothing runs).
    /// </summary>
    public bool Claim(RunTx tx, WorkflowDefinition def, string stepId, long seq)
    {
        var row = tx.Step(stepId);
        if (row is null || Admission.Decide(tx.Run, row, seq, Now).Kind != AdmissionKind.Claimed)
        {
            return false;
        }

        if (row.NextAction == NextActions.Resume)
        {
            row.Status = StepStatus.Running;
            row.LeaseUntil = Now + (long)options.LeaseDuration.TotalMilliseconds;
            tx.Touch(row);
            Audit(tx, "step.attempt.resumed", $"Step '{stepId}' attempt {row.Attempt} resumed: the worker that ran it was lost", stepId);
            return true;
        }

        StartAttempt(tx, row, def);
        return row.Status == StepStatus.Running;
    }

    /// <summary>Starts a new attempt of a step (or fails it when its deadline has passed).</summary>
    public void StartAttempt(RunTx tx, StepRow row, WorkflowDefinition def)
    {
        var now = Now;
        var (_, timeout, _) = Policy(def, row);
        if (row.StartedAt is null || row.DeadlineAt is null && row.Attempt == row.AttemptBase)
        {
            row.DeadlineAt = timeout is { } t ? now + (long)t.TotalMilliseconds : null;
        }

        if (row.DeadlineAt is { } deadline && now >= deadline)
        {
            FailStep(tx, def, row, "timeout", $"Step '{row.StepId}' timed out after {Duration.Format(timeout ?? TimeSpan.Zero)} before attempt {row.Attempt + 1} could start", allowInline: false);
            return;
        }

        if (row.StartedAt is null)
        {
            row.StartedAt = now;
            // Derived from the loaded steps, so starting a step does not rewrite the run row.
            row.StartOrder = tx.Steps.Max(s => s.StartOrder ?? 0) + 1;
        }

        row.Attempt++;
        row.PollCount = 0;
        row.State = null;
        row.Status = StepStatus.Running;
        row.NextAction = null;
        row.NextPollAt = null;
        row.LeaseUntil = now + (long)options.LeaseDuration.TotalMilliseconds;
        row.FinishedAt = null;
        tx.Touch(row);
        tx.NewAttempts.Add(new AttemptRow { RunId = row.RunId, StepId = row.StepId, Number = row.Attempt, Status = AttemptStatus.Running, StartedAt = now, Inputs = InputsSnapshot(tx, def, row) });
        var (retry, _, uses) = Policy(def, row);
        var round = row.Attempt - row.AttemptBase;
        Audit(tx, "step.attempt.started", $"Step '{row.StepId}' ({uses}) attempt {round}/{retry.MaxAttempts} started", row.StepId);
    }

    /// <summary>
    /// Applies what an action returned. Returns false when the result is stale (the step was
    /// cancelled or re-dispatched meanwhile) and was discarded.
    /// </summary>
    public bool Apply(RunTx tx, WorkflowDefinition def, string stepId, long seq, StepResult result, bool allowInline)
    {
        var row = tx.Step(stepId);
        if (row is null || row.DispatchSeq != seq || row.Status is not (StepStatus.Running or StepStatus.Waiting))
        {
            return false;
        }

        var now = Now;
        var cancelling = tx.Run.Status == RunStatus.Cancelling || (tx.Run.Status == RunStatus.Compensating && row.Kind == StepKinds.Step);
        switch (result)
        {
            case CompletedResult c:
                var outputs = codec.FromOutputs(c.Outputs) ?? new JsonObject();
                var stored = codec.Protect(outputs);
                row.Status = StepStatus.Succeeded;
                row.Outputs = stored;
                row.FinishedAt = now;
                row.LeaseUntil = null;
                row.NextAction = null;
                row.NextPollAt = null;
                row.ErrorCode = null;
                row.ErrorMessage = null;
                row.ErrorRetryable = null;
                tx.Touch(row);
                EndAttempt(tx, row, AttemptStatus.Succeeded, null, null, stored);
                Audit(tx, "step.succeeded", $"Step '{stepId}' succeeded" + (row.Attempt - row.AttemptBase > 1 ? $" on attempt {row.Attempt - row.AttemptBase}" : ""), stepId, data: SecretCodec.MaskStored(stored));
                if (row.Kind == StepKinds.Compensation)
                {
                    CompensationDone(tx, def, row, allowInline);
                }
                else
                {
                    Advance(tx, def, allowInline && !cancelling);
                }

                return true;

            case PendingResult p when cancelling:
                row.Status = StepStatus.Cancelled;
                row.State = p.State is null ? row.State : JsonSerializer.Serialize(p.State, Abstractions.JsonDefaults.Options);
                row.FinishedAt = now;
                tx.Touch(row);
                EndAttempt(tx, row, AttemptStatus.Cancelled, "cancelled", "The run was cancelled while the step waited", null);
                Audit(tx, "step.cancelled", $"Step '{stepId}' cancelled while waiting", stepId);
                Settle(tx, def, allowInline);
                return true;

            case PendingResult p:
                // The action's own delay (a timer, an expiry) wins; otherwise the step's schedule decides by the poll count.
                var schedule = p.PollAfter is null ? PollScheduleOf(def, row) : null;
                var asked = p.PollAfter ?? schedule!.DelayAfter(row.PollCount);
                var delay = asked < TimeSpan.Zero ? TimeSpan.Zero : asked;
                if (row.DeadlineAt is { } dl)
                {
                    if (now >= dl)
                    {
                        FailStep(tx, def, row, "timeout", $"Step '{stepId}' timed out while waiting{(p.Progress is null ? "" : $" (last progress: {p.Progress})")}", allowInline);
                        return true;
                    }

                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds, dl - now));
                }

                if (row.PollCount == 0 && row.Status == StepStatus.Running)
                {
                    var when = schedule is null ? $"next check in {Duration.Format(delay)}" : $"polling {schedule}";
                    Audit(tx, "step.waiting", $"Step '{stepId}' is waiting{(p.Progress is null ? "" : $": {p.Progress}")} ({when})", stepId);
                }

                row.PollCount++;
                row.Progress = p.Progress ?? row.Progress;
                row.State = p.State is null ? null : JsonSerializer.Serialize(p.State, p.State.GetType(), Abstractions.JsonDefaults.Options);
                row.LeaseUntil = null;
                Schedule(tx, row, def, allowInline: false, delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay, NextActions.Poll);
                return true;

            case FailedResult f:
                var (retry, _, _) = Policy(def, row);
                var round = row.Attempt - row.AttemptBase;
                EndAttempt(tx, row, AttemptStatus.Failed, f.ErrorCode, f.Message, null);
                Audit(tx, "step.attempt.failed", $"Step '{stepId}' attempt {round}/{retry.MaxAttempts} failed: [{f.ErrorCode}] {f.Message}", stepId);
                var retryDelay = retry.DelayAfter(round, jitter.Next());
                var canRetry = f.Retryable && retry.AllowsRetryOf(f.ErrorCode) && round < retry.MaxAttempts && !cancelling
                    && (row.DeadlineAt is null || now + (long)retryDelay.TotalMilliseconds < row.DeadlineAt);
                row.ErrorCode = f.ErrorCode;
                row.ErrorMessage = f.Message;
                row.ErrorRetryable = f.Retryable;
                var failure = $"Step '{stepId}' attempt {round}/{retry.MaxAttempts} failed: [{f.ErrorCode}] {f.Message}";
                if (canRetry)
                {
                    Log(tx, stepId, $"{failure}; retrying in {Duration.Format(retryDelay)} (attempt {round + 1}/{retry.MaxAttempts} at {DateTimeOffset.FromUnixTimeMilliseconds(now + (long)retryDelay.TotalMilliseconds).ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC)");
                    Audit(tx, "step.retrying", $"Step '{stepId}' will retry in {Duration.Format(retryDelay)} (attempt {round + 1}/{retry.MaxAttempts})", stepId);
                    row.LeaseUntil = null;
                    Schedule(tx, row, def, allowInline: false, retryDelay > TimeSpan.Zero ? retryDelay : TimeSpan.FromMilliseconds(1), NextActions.Attempt);
                    return true;
                }

                var why = !f.Retryable || !retry.AllowsRetryOf(f.ErrorCode) ? "not retryable"
                    : round >= retry.MaxAttempts ? $"no attempts left ({retry.MaxAttempts})"
                    : cancelling ? "the run is stopping" : "the deadline would pass before the next attempt";
                Log(tx, stepId, $"{failure}; not retried: {why}");
                FailStep(tx, def, row, f.ErrorCode, f.Message, allowInline, why, logged: true);
                return true;
        }

        return false;
    }

    /// <summary>
    /// Recovers a step whose worker was lost (lease expired) or whose dispatch never ran.
    /// Returns whether something was re-dispatched.
    /// </summary>
    public bool Recover(RunTx tx, WorkflowDefinition def, string stepId, long graceMs)
    {
        var row = tx.Step(stepId);
        if (row is null)
        {
            return false;
        }

        var now = Now;
        if (row.Status == StepStatus.Running && row.LeaseUntil < now)
        {
            if (!RunAcceptsWork(tx.Run, row))
            {
                row.Status = StepStatus.Cancelled;
                row.FinishedAt = now;
                tx.Touch(row);
                EndAttempt(tx, row, AttemptStatus.Cancelled, "worker.lost", "The worker was lost while the run was stopping", null);
                Audit(tx, "step.cancelled", $"Step '{stepId}' cancelled: its worker was lost while the run was stopping", stepId);
                Settle(tx, def, allowInline: false);
                return true;
            }

            Schedule(tx, row, def, allowInline: false, TimeSpan.Zero, row.PollCount > 0 ? NextActions.Poll : NextActions.Resume);
            if (row.PollCount > 0)
            {
                row.Status = StepStatus.Waiting;
            }

            Audit(tx, "step.recovered", $"Step '{stepId}' lost its worker; dispatched again", stepId);
            return true;
        }

        if ((row.Status == StepStatus.Waiting && row.NextPollAt < now - graceMs)
            || (row.Status == StepStatus.Scheduled && row.DispatchedAt < now - graceMs))
        {
            var next = row.NextAction ?? NextActions.Attempt;
            row.DispatchSeq++;
            row.DispatchedAt = now;
            // Not overdue any more: another sweeper (or the next sweep) must not dispatch it again.
            row.NextPollAt = row.Status == StepStatus.Waiting ? now : row.NextPollAt;
            tx.Touch(row);
            tx.Dispatches.Add(new Dispatch(tx.Run.Id, row.StepId, row.DispatchSeq, TimeSpan.Zero));
            Audit(tx, "step.recovered", $"Step '{stepId}' was overdue ({next}); dispatched again", stepId);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The attempt's inputs for people to read, secrets masked, written with its start (polls and a resumed attempt keep it);
    /// null when they cannot be evaluated: the attempt then fails on that, with the reason, when the job prepares them.
    /// </summary>
    /// <remarks>
    /// The evaluation is kept on the row (<see cref="StepRow.Prepared"/>) for the job that executes the attempt, so the
    /// inputs are evaluated, and their secrets decrypted, once per attempt.
    /// </remarks>
    private string? InputsSnapshot(RunTx tx, WorkflowDefinition def, StepRow row)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        row.Prepared = null;
        try
        {
            var evaluated = StepInputs.Evaluate(codec, tx.Run, tx.Steps, StepInputs.WithOf(def, row), secrets);
            var snapshot = StepInputs.Snapshot(evaluated, new Redactor(secrets));
            row.Prepared = new PreparedInputs(row.Attempt, evaluated, secrets);
            return snapshot;
        }
        catch (Exception e) when (e is ExpressionException or InvalidOperationException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private void EndAttempt(RunTx tx, StepRow row, AttemptStatus status, string? code, string? message, string? outputs)
    {
        var fresh = tx.NewAttempts.FirstOrDefault(a => a.StepId == row.StepId && a.Number == row.Attempt);
        var a = fresh ?? new AttemptRow { RunId = row.RunId, StepId = row.StepId, Number = row.Attempt };
        a.Status = status;
        a.FinishedAt = Now;
        a.Polls = row.PollCount;
        a.ErrorCode = code;
        a.ErrorMessage = message;
        a.Outputs = outputs;
        if (fresh is null)
        {
            tx.AttemptUpdates.Add(a);
        }
    }

    private void FailStep(RunTx tx, WorkflowDefinition def, StepRow row, string code, string message, bool allowInline, string? why = null, bool logged = false)
    {
        var now = Now;
        if (row.Status == StepStatus.Running && !tx.NewAttempts.Any(a => a.StepId == row.StepId && a.Number == row.Attempt) && code == "timeout")
        {
            EndAttempt(tx, row, AttemptStatus.Failed, code, message, null);
        }

        row.Status = StepStatus.Failed;
        row.ErrorCode = code;
        row.ErrorMessage = message;
        row.FinishedAt = now;
        row.LeaseUntil = null;
        row.NextAction = null;
        row.NextPollAt = null;
        tx.Touch(row);
        Audit(tx, "step.failed", $"Step '{row.StepId}' failed{(why is null ? "" : $" ({why})")}: [{code}] {message}", row.StepId);
        if (!logged)
        {
            Log(tx, row.StepId, $"Step '{row.StepId}' failed{(why is null ? "" : $" ({why})")}: [{code}] {message}");
        }

        if (row.Kind == StepKinds.Compensation)
        {
            CompensationDone(tx, def, row, allowInline);
            return;
        }

        var run = tx.Run;
        if (run.Status == RunStatus.Running)
        {
            run.Status = RunStatus.Cancelling;
            run.Cause = "failed";
            run.FailedStep = row.StepId;
            // Name the step once: a message that already names it (a deadline, a refusal) is not prefixed again.
            run.Error = message.Contains($"'{row.StepId}'", StringComparison.Ordinal) ? message : $"Step '{row.StepId}' failed: {message}";
            run.UpdatedAt = now;
            tx.RunDirty = true;
            StopActiveSteps(tx, $"Step '{row.StepId}' failed");
        }

        Settle(tx, def, allowInline);
    }
}
