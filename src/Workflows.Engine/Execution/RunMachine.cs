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

namespace Workflows.Engine.Execution;

/// <summary>
/// The engine's state transitions, applied in memory to a locked run (<see cref="RunTx"/>) and
/// committed by the caller in one transaction together with their audit events.
/// </summary>
public sealed class RunMachine(EngineOptions options, TimeProvider clock, SecretCodec codec, IEnumerable<ActionDescriptor>? actions = null)
{
    private const string Engine = "engine";

    // Failures that cut an execution short: the action could not report what it had done.
    private static readonly HashSet<string> Interruptions = new(StringComparer.Ordinal) { "cancelled", "timeout", "execution.too-long", "error", "worker.lost" };

    private readonly Dictionary<string, ActionDescriptor> descriptors = (actions ?? []).GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>Gets the current time in Unix milliseconds.</summary>
    public long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Gets the codec.</summary>
    public SecretCodec Codec => codec;

    /// <summary>Builds the expression scope of a run: inputs, completed steps' outputs, run fields.</summary>
    public JsonScope Scope(RunTx tx) => Scope(tx.Run, tx.Steps);

    /// <summary>Builds the expression scope of a run.</summary>
    public JsonScope Scope(RunRow run, IEnumerable<StepRow> steps)
    {
        var stepsObj = new JsonObject();
        foreach (var s in steps.Where(s => s.Kind == StepKinds.Step))
        {
            stepsObj[s.StepId] = new JsonObject
            {
                ["outputs"] = s.Status is "Succeeded" or "Compensated" ? codec.Unprotect(s.Outputs) ?? new JsonObject() : new JsonObject(),
                ["status"] = s.Status.ToLowerInvariant(),
            };
        }

        return new JsonScope(new JsonObject
        {
            ["inputs"] = codec.Unprotect(run.Inputs) ?? new JsonObject(),
            ["steps"] = stepsObj,
            ["run"] = new JsonObject
            {
                ["id"] = run.Id,
                ["workflow"] = run.Workflow,
                ["version"] = run.Version,
                ["actor"] = run.TriggerActor,
                ["trigger"] = run.TriggerKind.ToLowerInvariant(),
            },
        });
    }

    /// <summary>Adds an audit event.</summary>
    public void Audit(RunTx tx, string kind, string message, string? stepId = null, string actor = Engine, JsonNode? data = null) =>
        tx.Audit.Add(new AuditRow { RunId = tx.Run.Id, At = Now, Kind = kind, Actor = actor, StepId = stepId, Message = message, Data = data?.ToJsonString() });

    /// <summary>Moves a queued or new run to Running and schedules its first steps.</summary>
    public void Begin(RunTx tx, WorkflowDefinition def, string message)
    {
        tx.Run.Status = nameof(RunStatus.Running);
        tx.Run.QueuedBehind = null;
        tx.Run.StartedAt ??= Now;
        tx.Run.UpdatedAt = Now;
        tx.RunDirty = true;
        Audit(tx, "run.started", message);
        Advance(tx, def, allowInline: false);
    }

    /// <summary>
    /// Schedules every pending step whose needs are done (evaluating <c>if:</c>), finishes the run
    /// when every step is done, and moves cancelling runs on to compensation.
    /// </summary>
    public void Advance(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var status = tx.Run.Status;
        if (status is nameof(RunStatus.Cancelling) or nameof(RunStatus.Compensating))
        {
            Settle(tx, def, allowInline);
            return;
        }

        if (status != nameof(RunStatus.Running))
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
                if (row is null || row.Status != nameof(StepStatus.Pending))
                {
                    continue;
                }

                var needs = sd.Needs.Select(n => tx.Step(n)!).ToList();
                if (!needs.All(n => n.Status is nameof(StepStatus.Succeeded) or nameof(StepStatus.Skipped)))
                {
                    continue;
                }

                if (sd.If is { } cond)
                {
                    scope ??= Scope(tx);
                    var text = cond.Contains("${{", StringComparison.Ordinal) ? cond : "${{ " + cond + " }}";
                    if (!Expression.IsTruthy(Template.Parse(text).Evaluate(scope)))
                    {
                        row.Status = nameof(StepStatus.Skipped);
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

        if (tx.Steps.Where(s => s.Kind == StepKinds.Step).All(s => s.Status is nameof(StepStatus.Succeeded) or nameof(StepStatus.Skipped)))
        {
            Finish(tx, RunStatus.Succeeded, "Run succeeded");
        }
    }

    /// <summary>Hands a step to a worker: claims it for the current job when allowed, else dispatches a job.</summary>
    public void Schedule(RunTx tx, StepRow row, WorkflowDefinition def, bool allowInline, TimeSpan delay = default, string next = NextActions.Attempt)
    {
        row.DispatchSeq++;
        row.DispatchedAt = Now;
        row.NextAction = next;
        row.Status = delay > TimeSpan.Zero || next == NextActions.Poll ? nameof(StepStatus.Waiting) : nameof(StepStatus.Scheduled);
        row.NextPollAt = delay > TimeSpan.Zero ? Now + (long)delay.TotalMilliseconds : null;
        row.JobId = null;
        tx.Touch(row);
        if (allowInline && delay <= TimeSpan.Zero && tx.InlineNext is null && next == NextActions.Attempt)
        {
            StartAttempt(tx, row, def);
            if (row.Status == nameof(StepStatus.Running))
            {
                tx.InlineNext = row;
            }

            return;
        }

        tx.Dispatches.Add(new Dispatch(tx.Run.Id, row.StepId, row.DispatchSeq, delay));
    }

    /// <summary>
    /// Claims a dispatched step for the job that carries <paramref name="seq"/>. Returns false (and
    /// changes nothing) when the job is stale or the step no longer needs it.
    /// </summary>
    public bool Claim(RunTx tx, WorkflowDefinition def, string stepId, long seq)
    {
        var row = tx.Step(stepId);
        if (row is null || row.DispatchSeq != seq || !RunAcceptsWork(tx.Run, row))
        {
            return false;
        }

        switch (row.Status, row.NextAction)
        {
            case (nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting), NextActions.Attempt):
                StartAttempt(tx, row, def);
                return row.Status == nameof(StepStatus.Running);
            case (nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting), NextActions.Resume):
                row.Status = nameof(StepStatus.Running);
                row.LeaseUntil = Now + (long)options.LeaseDuration.TotalMilliseconds;
                tx.Touch(row);
                Audit(tx, "step.attempt.resumed", $"Step '{stepId}' attempt {row.Attempt} resumed: the worker that ran it was lost", stepId);
                return true;
            default:
                return false;
        }
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
        row.Status = nameof(StepStatus.Running);
        row.NextAction = null;
        row.NextPollAt = null;
        row.LeaseUntil = now + (long)options.LeaseDuration.TotalMilliseconds;
        row.FinishedAt = null;
        tx.Touch(row);
        tx.NewAttempts.Add(new AttemptRow { RunId = row.RunId, StepId = row.StepId, Number = row.Attempt, Status = nameof(AttemptStatus.Running), StartedAt = now });
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
        if (row is null || row.DispatchSeq != seq || row.Status is not (nameof(StepStatus.Running) or nameof(StepStatus.Waiting)))
        {
            return false;
        }

        var now = Now;
        var cancelling = tx.Run.Status == nameof(RunStatus.Cancelling) || (tx.Run.Status == nameof(RunStatus.Compensating) && row.Kind == StepKinds.Step);
        switch (result)
        {
            case CompletedResult c:
                var outputs = codec.FromOutputs(c.Outputs) ?? new JsonObject();
                var stored = codec.Protect(outputs);
                row.Status = nameof(StepStatus.Succeeded);
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
                row.Status = nameof(StepStatus.Cancelled);
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

                if (row.PollCount == 0 && row.Status == nameof(StepStatus.Running))
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
                var retryDelay = retry.DelayAfter(round, Random.Shared.NextDouble());
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

    /// <summary>Cancels a run on an operator's request.</summary>
    public void Cancel(RunTx tx, WorkflowDefinition def, string actor, string? reason)
    {
        var run = tx.Run;
        var message = $"Cancelled by {actor}" + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}");
        Audit(tx, "run.cancel.requested", message, actor: actor);
        if (run.Status == nameof(RunStatus.Queued))
        {
            run.Error = message;
            Finish(tx, RunStatus.Cancelled, message, releaseKey: false);
            return;
        }

        run.Cause = "cancelled";
        run.Error = message;
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        if (run.Status == nameof(RunStatus.Compensating))
        {
            return; // compensation already undoes everything; it ends as Cancelled.
        }

        run.Status = nameof(RunStatus.Cancelling);
        StopActiveSteps(tx, "The run was cancelled");
        Settle(tx, def, allowInline: false);
    }

    /// <summary>Delivers an approval decision to a waiting <c>core.approval</c> step.</summary>
    public void Signal(RunTx tx, StepRow row, WorkflowDefinition def, string name, string actor, JsonObject payload)
    {
        row.Signal = new JsonObject { ["name"] = name, ["actor"] = actor, ["at"] = Now, ["payload"] = payload }.ToJsonString();
        tx.Touch(row);
        if (row.Status == nameof(StepStatus.Waiting))
        {
            if (row.JobId is { } old)
            {
                tx.JobsToDelete.Add(old);
            }

            Schedule(tx, row, def, allowInline: false, TimeSpan.Zero, row.NextAction ?? NextActions.Poll);
        }
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
                || row.Status is nameof(StepStatus.Failed) or nameof(StepStatus.Cancelled) or nameof(StepStatus.Compensated)
                || (row.Status == nameof(StepStatus.Skipped) && fromStep is null);
            if (!needsReset)
            {
                continue;
            }

            row.Status = nameof(StepStatus.Pending);
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
            run.Status = nameof(RunStatus.Queued);
            run.QueuedBehind = holder;
            Audit(tx, "run.queued", $"Waiting for run {holder} which holds concurrency key '{run.ConcurrencyKey}'");
            return;
        }

        run.Status = nameof(RunStatus.Running);
        Advance(tx, def, allowInline: false);
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
        if (row.Status == nameof(StepStatus.Running) && row.LeaseUntil < now)
        {
            if (!RunAcceptsWork(tx.Run, row))
            {
                row.Status = nameof(StepStatus.Cancelled);
                row.FinishedAt = now;
                tx.Touch(row);
                EndAttempt(tx, row, AttemptStatus.Cancelled, "worker.lost", "The worker was lost while the run was stopping", null);
                Settle(tx, def, allowInline: false);
                return true;
            }

            Schedule(tx, row, def, allowInline: false, TimeSpan.Zero, row.PollCount > 0 ? NextActions.Poll : NextActions.Resume);
            if (row.PollCount > 0)
            {
                row.Status = nameof(StepStatus.Waiting);
            }

            Audit(tx, "step.recovered", $"Step '{stepId}' lost its worker; dispatched again", stepId);
            return true;
        }

        if ((row.Status == nameof(StepStatus.Waiting) && row.NextPollAt < now - graceMs)
            || (row.Status == nameof(StepStatus.Scheduled) && row.DispatchedAt < now - graceMs))
        {
            var next = row.NextAction ?? NextActions.Attempt;
            row.DispatchSeq++;
            row.DispatchedAt = now;
            // Not overdue any more: another sweeper (or the next sweep) must not dispatch it again.
            row.NextPollAt = row.Status == nameof(StepStatus.Waiting) ? now : row.NextPollAt;
            tx.Touch(row);
            tx.Dispatches.Add(new Dispatch(tx.Run.Id, row.StepId, row.DispatchSeq, TimeSpan.Zero));
            Audit(tx, "step.recovered", $"Step '{stepId}' was overdue ({next}); dispatched again", stepId);
            return true;
        }

        return false;
    }

    /// <summary>Continues a cancelling or compensating run: compensates once nothing runs, then finishes it.</summary>
    public void Settle(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var run = tx.Run;
        if (run.Status == nameof(RunStatus.Cancelling))
        {
            if (tx.Steps.Any(s => s.Kind == StepKinds.Step && s.Status is nameof(StepStatus.Running) or nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting)))
            {
                return;
            }

            BeginCompensation(tx, def, allowInline);
            return;
        }

        if (run.Status == nameof(RunStatus.Compensating))
        {
            if (tx.Steps.Any(s => s.Kind == StepKinds.Step && s.Status is nameof(StepStatus.Running) or nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting)))
            {
                return;
            }

            ScheduleNextCompensation(tx, def, allowInline);
        }
    }

    /// <summary>
    /// Whether a step may have created something to undo: it succeeded or has outputs, it saved state
    /// or waited on something, the ledger has records of it, or its last failure left the outcome
    /// unknown (retryable, interrupted, or not recorded at all).
    /// </summary>
    private static bool MayHaveCreated(RunTx tx, StepRow s) =>
        s.Status == nameof(StepStatus.Succeeded)
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

    private static bool RunAcceptsWork(RunRow run, StepRow row) =>
        run.Status == nameof(RunStatus.Running) || (run.Status == nameof(RunStatus.Compensating) && row.Kind == StepKinds.Compensation);

    private static (RetryPolicy Retry, TimeSpan? Timeout, string Uses) Policy(WorkflowDefinition def, StepRow row)
    {
        if (row.Kind == StepKinds.Compensation)
        {
            var target = def.FindStep(row.StepId[StepKinds.CompensationPrefix.Length..]);
            return (target?.Compensate?.Retry ?? RetryPolicy.CompensationDefault, target?.Compensate?.Timeout, target?.Compensate?.Uses ?? "?");
        }

        var sd = def.FindStep(row.StepId);
        return (sd?.Retry ?? RetryPolicy.None, sd?.Timeout, sd?.Uses ?? "?");
    }

    private PollSchedule PollScheduleOf(WorkflowDefinition def, StepRow row)
    {
        if (row.Kind == StepKinds.Compensation)
        {
            var compensate = def.FindStep(row.StepId[StepKinds.CompensationPrefix.Length..])?.Compensate;
            return compensate?.Poll ?? Descriptor(compensate?.Uses)?.Poll ?? PollSchedule.Default;
        }

        var sd = def.FindStep(row.StepId);
        return sd?.Poll ?? Descriptor(sd?.Uses)?.Poll ?? PollSchedule.Default;
    }

    private ActionDescriptor? Descriptor(string? uses) => uses is not null && descriptors.TryGetValue(uses, out var d) ? d : null;

    /// <summary>Writes a line into the step's log stream (what an operator reads), beside what the action wrote.</summary>
    private void Log(RunTx tx, string stepId, string line) =>
        tx.Logs.Add(new LogRow { RunId = tx.Run.Id, StepId = stepId, At = Now, Text = line + "\n" });

    private void EndAttempt(RunTx tx, StepRow row, AttemptStatus status, string? code, string? message, string? outputs)
    {
        var fresh = tx.NewAttempts.FirstOrDefault(a => a.StepId == row.StepId && a.Number == row.Attempt);
        var a = fresh ?? new AttemptRow { RunId = row.RunId, StepId = row.StepId, Number = row.Attempt };
        a.Status = status.ToString();
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
        if (row.Status == nameof(StepStatus.Running) && !tx.NewAttempts.Any(a => a.StepId == row.StepId && a.Number == row.Attempt) && code == "timeout")
        {
            EndAttempt(tx, row, AttemptStatus.Failed, code, message, null);
        }

        row.Status = nameof(StepStatus.Failed);
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
        if (run.Status == nameof(RunStatus.Running))
        {
            run.Status = nameof(RunStatus.Cancelling);
            run.Cause = "failed";
            run.FailedStep = row.StepId;
            run.Error = $"Step '{row.StepId}' failed: {message}";
            run.UpdatedAt = now;
            tx.RunDirty = true;
            StopActiveSteps(tx, $"Step '{row.StepId}' failed");
        }

        Settle(tx, def, allowInline);
    }

    private void StopActiveSteps(RunTx tx, string reason)
    {
        foreach (var s in tx.Steps.Where(s => s.Kind == StepKinds.Step))
        {
            switch (s.Status)
            {
                case nameof(StepStatus.Pending):
                    s.Status = nameof(StepStatus.Cancelled);
                    s.FinishedAt = Now;
                    tx.Touch(s);
                    break;
                case nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting):
                    var hadAttempt = s.Status == nameof(StepStatus.Waiting) && (s.PollCount > 0 || s.NextAction == NextActions.Attempt);
                    if (s.JobId is { } job)
                    {
                        tx.JobsToDelete.Add(job);
                    }

                    if (hadAttempt && s.NextAction == NextActions.Poll)
                    {
                        EndAttempt(tx, s, AttemptStatus.Cancelled, "cancelled", reason, null);
                    }

                    s.Status = nameof(StepStatus.Cancelled);
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

    private void BeginCompensation(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var run = tx.Run;
        var hold = run.Cause == "failed" && def.OnFailure == FailurePolicy.Hold;
        var candidates = hold ? [] : tx.Steps
            .Where(s => s.Kind == StepKinds.Step && s.StartedAt is not null && s.Status != nameof(StepStatus.Compensated) && def.FindStep(s.StepId)?.Compensate is not null)
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
            row.Status = nameof(StepStatus.Pending);
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

        run.Status = nameof(RunStatus.Compensating);
        run.UpdatedAt = Now;
        tx.RunDirty = true;
        Audit(tx, "run.compensating", $"Compensating {targets.Count} step(s) in reverse order: {string.Join(", ", targets.Select(t => t.StepId))}");
        ScheduleNextCompensation(tx, def, allowInline);
    }

    private void ScheduleNextCompensation(RunTx tx, WorkflowDefinition def, bool allowInline)
    {
        var comps = tx.Steps.Where(s => s.Kind == StepKinds.Compensation).OrderBy(s => s.Position).ToList();
        if (comps.Any(s => s.Status is nameof(StepStatus.Running) or nameof(StepStatus.Scheduled) or nameof(StepStatus.Waiting)))
        {
            return;
        }

        var next = comps.FirstOrDefault(s => s.Status == nameof(StepStatus.Pending));
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
        if (comp.Status == nameof(StepStatus.Succeeded) && target is not null)
        {
            target.Status = nameof(StepStatus.Compensated);
            tx.Touch(target);
            Audit(tx, "step.compensated", $"Step '{target.StepId}' compensated", target.StepId);
        }
        else if (comp.Status == nameof(StepStatus.Failed))
        {
            var run = tx.Run;
            var id = target?.StepId ?? comp.StepId[StepKinds.CompensationPrefix.Length..];
            run.Error = $"{run.Error}; compensation of '{id}' failed: {comp.ErrorMessage}; {LedgerSays(tx, id)}".TrimStart(';', ' ');
            tx.RunDirty = true;
        }

        ScheduleNextCompensation(tx, def, allowInline);
    }

    private void FinishStopped(RunTx tx)
    {
        var cancelled = tx.Run.Cause == "cancelled";
        Finish(tx, cancelled ? RunStatus.Cancelled : RunStatus.Failed, tx.Run.Error ?? (cancelled ? "Run cancelled" : "Run failed"));
    }

    private void Finish(RunTx tx, RunStatus status, string message, bool releaseKey = true)
    {
        var run = tx.Run;
        run.Status = status.ToString();
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
