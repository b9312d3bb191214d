using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.Engine.Telemetry;

namespace Workflows.Engine.Execution;

/// <summary>
/// The Hangfire job that executes one attempt or poll of a step, commits its result, and keeps
/// executing steps that became ready at once (up to a budget) without a queue round trip.
/// </summary>
/// <remarks>Hangfire retries this job only for infrastructure failures (database down); action failures are step results.</remarks>
public sealed class StepJob(
    RunStore store,
    RunMachine machine,
    WorkflowCatalog catalog,
    StepDispatcher dispatcher,
    RunSignals signals,
    IServiceScopeFactory scopes,
    IStepContextAccessor accessor,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<StepJob> logger,
    EngineMetrics? metrics = null,
    PlanDrift? drift = null,
    StepExecutions? executions = null)
{
    private readonly EngineOptions options = options.Value;

    /// <summary>Executes the step dispatched with number <paramref name="seq"/>.</summary>
    [DisplayName("Step {1} of run {0} (dispatch {2})")]
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [1, 2, 5, 10, 20, 30, 60, 60, 120, 300])]
    public async Task ExecuteAsync(string runId, string stepId, long seq, CancellationToken shutdown)
    {
        // Counted, so that a run started on this server runs its first step here only while a worker is free.
        using var counted = executions?.Enter();
        await ExecuteCoreAsync(runId, stepId, seq, shutdown);
    }

    private async Task ExecuteCoreAsync(string runId, string stepId, long seq, CancellationToken shutdown)
    {
        WorkflowDefinition? def = null;
        var admission = Admission.Stale;
        var tx = await store.MutateAsync(
            runId,
            async t =>
            {
                def = await catalog.GetVersionAsync(t.Run.Version, shutdown);
                admission = def is null ? Admission.Stale : Admission.Decide(t.Run, t.Step(stepId), seq, machine.Now);
                switch (admission.Kind)
                {
                    case AdmissionKind.Claimed when machine.Claim(t, def!, stepId, seq):
                        t.InlineNext = t.Step(stepId);
                        break;
                    case AdmissionKind.Claimed when t.Steps.Any(s => s.IsDirty):
                        break; // not running, but changed: e.g. failed on its deadline while claiming
                    default:
                        t.Abort(); // a poll needs no claim: its result is applied only if the dispatch number still matches
                        break;
                }
            },
            shutdown);

        if (admission.Kind == AdmissionKind.Early)
        {
            var early = admission.Delay;
            if (early > TimeSpan.FromMilliseconds(1500))
            {
                await dispatcher.DispatchAsync(new Dispatch(runId, stepId, seq, early), shutdown);
                return;
            }

            await Task.Delay(early, clock, shutdown);
            await ExecuteCoreAsync(runId, stepId, seq, shutdown);
            return;
        }

        if (tx is null || def is null)
        {
            if (tx is not null)
            {
                logger.LogError("Run {RunId}: definition version {Version} is not available; step {StepId} cannot run", runId, tx.Run.Version, stepId);
            }

            return;
        }

        if (!tx.Aborted)
        {
            await dispatcher.AfterCommitAsync(tx, shutdown);
        }

        await ContinueAsync(tx, def, admission.Kind == AdmissionKind.Poll ? tx.Step(stepId) : tx.InlineNext, shutdown);
    }

    /// <summary>
    /// Executes <paramref name="current"/> (claimed, or polled, by the committed <paramref name="tx"/>), commits its result,
    /// and goes on with the step that result claimed for this worker (up to <see cref="EngineOptions.InlineSteps"/> steps
    /// or <see cref="EngineOptions.InlineTime"/>): the next step is claimed in the transaction that records the previous
    /// one's result, so it needs no Hangfire job and no transaction of its own.
    /// </summary>
    /// <param name="tx">The committed transaction that claimed <paramref name="current"/> (its run and steps are the state the action sees).</param>
    /// <param name="def">The run's definition version.</param>
    /// <param name="current">The step to execute first; null does nothing.</param>
    /// <param name="shutdown">Stops the action when the server stops (the step then stays Running on its lease).</param>
    internal async Task ContinueAsync(RunTx tx, WorkflowDefinition def, StepRow? current, CancellationToken shutdown)
    {
        var runId = tx.Run.Id;
        var run = tx.Run;
        var steps = tx.Steps;
        var budget = options.InlineSteps;
        var began = clock.GetTimestamp();
        while (current is not null)
        {
            var currentSeq = current.DispatchSeq;
            var (result, buffer) = await ExecuteObservedAsync(run, steps, current, def, shutdown);
            var allowInline = --budget > 0 && clock.GetElapsedTime(began) < options.InlineTime && !shutdown.IsCancellationRequested;
            var (logs, audit) = buffer.Drain();
            var applied = false;
            var id = current.StepId;
            var next = await store.MutateAsync(
                runId,
                t =>
                {
                    t.Logs.AddRange(logs);
                    t.Audit.AddRange(audit);
                    applied = machine.Apply(t, def, id, currentSeq, result, allowInline);
                    return ValueTask.CompletedTask;
                },
                CancellationToken.None);
            if (next is null)
            {
                return;
            }

            if (!applied)
            {
                logger.LogInformation("Run {RunId} step {StepId}: result discarded, the step was cancelled or dispatched again meanwhile", runId, id);
            }

            var effects = Effects.Of(next);
            await dispatcher.RunAsync(effects, CancellationToken.None);
            LogState(next, id);
            current = effects.InlineNext;
            run = next.Run;
            steps = next.Steps;
        }
    }

    /// <summary>Advances a run: starts it when it was promoted from the queue, or continues one that stalled.</summary>
    [DisplayName("Advance run {0}")]
    [AutomaticRetry(Attempts = 10)]
    public async Task AdvanceAsync(string runId)
    {
        var tx = await store.MutateAsync(
            runId,
            async t =>
            {
                var def = await catalog.GetVersionAsync(t.Run.Version);
                if (def is null)
                {
                    t.Abort();
                    return;
                }

                if (t.Run.Status == RunStatus.Queued)
                {
                    if (t.Run.QueuedBehind is null)
                    {
                        machine.Begin(t, def, $"Run started: concurrency key '{t.Run.ConcurrencyKey}' is now free");
                    }

                    return;
                }

                machine.Advance(t, def, allowInline: false);
            },
            CancellationToken.None);
        if (tx is { Aborted: false })
        {
            await dispatcher.AfterCommitAsync(tx);
        }
    }

    /// <summary>
    /// Executes one attempt or poll inside its span (a child of the run's span, so every external call the
    /// action makes is a grandchild of the run) and a logging scope with the run and step ids, and records its metrics.
    /// </summary>
    private async Task<(StepResult Result, StepBuffer Buffer)> ExecuteObservedAsync(RunRow run, List<StepRow> steps, StepRow row, WorkflowDefinition def, CancellationToken shutdown)
    {
        var uses = ActionOf(row, def) ?? "unknown";
        var attempt = row.Attempt - row.AttemptBase;
        using var span = EngineTelemetry.StartStep(run, row, uses);
        using var scope = logger.BeginScope(new StepLogScope(run.Id, row.StepId, run.Workflow, attempt, row.PollCount));
        var began = clock.GetTimestamp();
        try
        {
            var (result, buffer) = await ExecuteActionAsync(run, steps, row, def, shutdown);
            var outcome = result switch
            {
                CompletedResult => "succeeded",
                PendingResult => "pending",
                FailedResult { ErrorCode: "cancelled" } => "cancelled",
                _ => "failed",
            };
            metrics?.StepExecuted(uses, row.PollCount > 0, row.PollCount == 0 && attempt > 1, outcome, clock.GetElapsedTime(began).TotalSeconds);
            span?.SetTag(EngineTelemetry.OutcomeTag, outcome);
            if (result is FailedResult failed)
            {
                // The error code only: a message may quote what the action saw (it is redacted, but spans leave the server).
                span?.SetStatus(ActivityStatusCode.Error, failed.ErrorCode);
            }

            return (result, buffer);
        }
        catch (Exception e)
        {
            span?.SetTag(EngineTelemetry.OutcomeTag, "interrupted");
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
    }

    private static string? ActionOf(StepRow row, WorkflowDefinition def)
    {
        var isComp = row.Kind == StepKinds.Compensation;
        var sd = def.FindStep(isComp ? row.StepId[StepKinds.CompensationPrefix.Length..] : row.StepId);
        return isComp ? sd?.Compensate?.Uses : sd?.Uses;
    }

    private async Task<(StepResult Result, StepBuffer Buffer)> ExecuteActionAsync(RunRow run, List<StepRow> steps, StepRow row, WorkflowDefinition def, CancellationToken shutdown)
    {
        var isComp = row.Kind == StepKinds.Compensation;
        var targetId = isComp ? row.StepId[StepKinds.CompensationPrefix.Length..] : row.StepId;
        var sd = def.FindStep(targetId);
        var uses = ActionOf(row, def);

        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new StepBuffer(run.Id, row.StepId, Redactor.None, clock);
        var descriptor = catalog.Actions.FirstOrDefault(a => a.Name == uses);
        if (sd is null || uses is null || descriptor is null)
        {
            return (StepResult.Failed("action.unknown", $"Action '{uses}' is not registered in this server", retryable: false), buffer);
        }

        JsonObject evaluated;
        try
        {
            if (row.Prepared is { } prepared && prepared.Attempt == row.Attempt && row.PollCount == 0)
            {
                // Evaluated by the transition that started this attempt, over the same rows: once per attempt.
                evaluated = prepared.Evaluated;
                secrets.UnionWith(prepared.Secrets);
            }
            else
            {
                // A poll, or an attempt resumed after its worker was lost: evaluated here.
                evaluated = StepInputs.Evaluate(machine.Codec, run, steps, StepInputs.WithOf(def, row), secrets);
            }
        }
        catch (Exception e) when (e is ExpressionException or InvalidOperationException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            // Never a stuck job: a step whose inputs cannot be prepared fails, visibly and for good.
            return (StepResult.Failed("inputs.invalid", $"with: {new Redactor(secrets).Redact(e.Message)}", retryable: false), buffer);
        }

        var redactor = new Redactor(secrets);
        buffer = new StepBuffer(run.Id, row.StepId, redactor, clock);
        var inputs = (JsonObject)(SecretCodec.Reveal(evaluated) ?? new JsonObject());

        CompensationTarget? target = null;
        if (isComp && steps.FirstOrDefault(s => s.StepId == targetId) is { } t)
        {
            target = new CompensationTarget(
                targetId,
                IdempotencyKey(run.Id, targetId),
                t.Outputs is null ? null : ToElement(SecretCodec.Reveal(machine.Codec.Unprotect(t.Outputs))),
                t.State is null ? null : JsonDocument.Parse(t.State).RootElement.Clone());
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var budget = options.MaxExecution;
        var deadlineHit = false;
        if (row.DeadlineAt is { } dl)
        {
            var left = TimeSpan.FromMilliseconds(dl - machine.Now);
            if (left < budget)
            {
                budget = left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
                deadlineHit = true;
            }
        }

        using var budgetCts = new CancellationTokenSource(budget, clock);
        using var budgetReg = budgetCts.Token.Register(cts.Cancel);
        using var registration = signals.Register(run.Id, cts, isComp);
        var runCancelled = false;

        await using var scopeSp = scopes.CreateAsyncScope();
        var context = new EngineStepContext(run, row, IdempotencyKey(run.Id, row.StepId), inputs, buffer, new StepLedger(store, run.Id, row.StepId, clock), scopeSp.ServiceProvider, clock, target, cts.Token);
        using var loopStop = new CancellationTokenSource();
        var leaseLost = false;
        var loop = BackgroundLoopAsync(run.Id, row, buffer, () => { runCancelled = true; cts.Cancel(); }, () => { leaseLost = true; cts.Cancel(); }, loopStop.Token);

        var attemptText = row.PollCount == 0 ? $"attempt {row.Attempt - row.AttemptBase}" : $"poll {row.PollCount}";
        logger.LogInformation("Run {RunId} ({Workflow}) step {StepId} [{Uses}] {What}", run.Id, run.Workflow, row.StepId, uses, attemptText);
        StepResult result;
        try
        {
            var action = (IStepAction)scopeSp.ServiceProvider.GetRequiredService(descriptor.ActionType);
            if (accessor is StepContextAccessor sca)
            {
                sca.Current = context;
            }

            if (drift is not null && !isComp && row.PollCount == 0 && row.Attempt - row.AttemptBase == 1 && row.State is null)
            {
                // A planned run: what the plan said against what the step finds now, a warning at most.
                await drift.CheckAsync(run, def, sd, inputs, context.IdempotencyKey, redactor, buffer, buffer, cts.Token);
            }

            result = await action.ExecuteAsync(context);
        }
        catch (StepFailedException e)
        {
            result = StepResult.Failed(e.ErrorCode, e.Message, e.Retryable);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            if (shutdown.IsCancellationRequested || leaseLost)
            {
                // The server is stopping, or lost the step's lease (taken over, or not renewed in time): leave the step
                // as it is and apply no result; its lease expires and another worker resumes it.
                await loopStop.CancelAsync();
                await loop;
                throw;
            }

            // Either the execution budget ran out (deadline or MaxExecution), or the run was cancelled
            // (in this process through RunSignals, or seen by the heartbeat from another server).
            result = !budgetCts.IsCancellationRequested || runCancelled
                ? StepResult.Failed("cancelled", "The run was cancelled while the step was running", retryable: false)
                : deadlineHit
                    ? StepResult.Failed("timeout", $"Step '{row.StepId}' reached its deadline while running", retryable: false)
                    : StepResult.Failed("execution.too-long", $"One execution of '{uses}' ran longer than {Duration.Format(options.MaxExecution)}; long waits must return Pending", retryable: true);
        }
        catch (Exception e) when (DatabaseFailures.IsUnavailable(e))
        {
            // The database went away under the action (its ledger or log write): infrastructure, not the action's
            // failure. The step stays Running on its lease; once the database is back, the sweeper resumes the same attempt.
            logger.LogWarning("Run {RunId} step {StepId}: the database became unavailable during {Uses}; the attempt will be resumed: {Message}", run.Id, row.StepId, uses, e.Message);
            await loopStop.CancelAsync();
            await loop;
            throw;
        }
        catch (Exception e)
        {
            result = StepResult.Failed("error", $"{e.GetType().Name}: {e.Message}", retryable: true);
            // Where it broke, for whoever fixes the action; the message (which may quote values) is only stored redacted.
            logger.LogWarning("Run {RunId} step {StepId}: action {Uses} threw {Type}{StackTrace}", run.Id, row.StepId, uses, e.GetType().FullName, Environment.NewLine + e.StackTrace);
        }
        finally
        {
            if (accessor is StepContextAccessor sca)
            {
                sca.Current = null;
            }
        }

        await loopStop.CancelAsync();
        await loop;

        result = result switch
        {
            FailedResult f => f with { ErrorCode = redactor.Redact(f.ErrorCode), Message = redactor.Redact(f.Message) },
            PendingResult p when p.Progress is not null => p with { Progress = redactor.Redact(p.Progress) },
            CompletedResult c when secrets.Count > 0 => c with { Outputs = SecretCodec.SealKnown(machine.Codec.FromOutputs(c.Outputs), secrets) },
            _ => result,
        };
        if (result is FailedResult fr)
        {
            logger.LogWarning("Run {RunId} step {StepId} {What} failed: [{Code}] {Message}", run.Id, row.StepId, attemptText, fr.ErrorCode, fr.Message);
        }

        return (result, buffer);
    }

    private async Task BackgroundLoopAsync(string runId, StepRow row, StepBuffer buffer, Action cancelRun, Action loseLease, CancellationToken stop)
    {
        // Streams log chunks while the action runs, renews the lease and notices a cancel from another server.
        using var timer = new PeriodicTimer(options.LogFlushInterval, clock);
        var lastBeat = clock.GetTimestamp();
        var renewed = lastBeat; // the lease runs until at least this + LeaseDuration (claimed, or last renewal sent)
        var streaming = true;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (streaming && buffer.HasContent)
                {
                    var (logs, audit) = buffer.Drain();
                    try
                    {
                        // Not cancelled by `stop`: the action may finish while this write is under way, and a
                        // drained chunk must end up in the database, here or with the result.
                        await store.AppendLogsAsync(logs, audit, CancellationToken.None);
                        signals.Publish(runId, "log");
                    }
                    catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
                    {
                        // Logs wait for the result; the lease is still renewed below.
                        buffer.Requeue(logs, audit);
                        streaming = false;
                        logger.LogWarning(e, "Run {RunId} step {StepId}: streaming logs failed; they will be written with the result", runId, row.StepId);
                    }
                }

                if (row.Status == StepStatus.Running && clock.GetElapsedTime(renewed) >= options.LeaseDuration)
                {
                    // Paused past the lease (a long GC pause, a frozen VM): another server may already run the step.
                    // Stopped before it is logged: whoever reads the line may rely on the action's token being cancelled.
                    loseLease();
                    logger.LogWarning("Run {RunId} step {StepId}: the lease was not renewed for {Elapsed}; stopping the action so that another worker can resume it", runId, row.StepId, Duration.Format(clock.GetElapsedTime(renewed)));
                    return;
                }

                if (clock.GetElapsedTime(lastBeat) >= options.HeartbeatInterval)
                {
                    var sent = clock.GetTimestamp();
                    lastBeat = sent;
                    LeaseRenewal renewal;
                    try
                    {
                        renewal = await store.RenewLeaseAsync(runId, row.StepId, row.DispatchSeq, machine.Now + (long)options.LeaseDuration.TotalMilliseconds, stop);
                    }
                    catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException && !stop.IsCancellationRequested)
                    {
                        // Never run on past the lease: another server may take the step over once it ends.
                        if (row.Status == StepStatus.Running && clock.GetElapsedTime(renewed) >= options.LeaseDuration - options.HeartbeatInterval)
                        {
                            loseLease();
                            logger.LogWarning(e, "Run {RunId} step {StepId}: the lease could not be renewed for {Elapsed}; stopping the action so that another worker can resume it", runId, row.StepId, Duration.Format(clock.GetElapsedTime(renewed)));
                            return;
                        }

                        logger.LogWarning(e, "Run {RunId} step {StepId}: renewing the lease failed; trying again", runId, row.StepId);
                        continue;
                    }

                    if (!renewal.Renewed && row.Status == StepStatus.Running)
                    {
                        // Dispatched again (its lease had ended: another server resumes it) or ended meanwhile: stop at once.
                        loseLease();
                        logger.LogWarning("Run {RunId} step {StepId}: the step's lease was taken over; stopping the action", runId, row.StepId);
                        return;
                    }

                    renewed = sent;
                    if (renewal.Status is not (RunStatus.Running or RunStatus.Compensating) || (renewal.Status == RunStatus.Compensating && row.Kind == StepKinds.Step))
                    {
                        cancelRun();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // Stopping while a renewal was under way.
            logger.LogDebug(e, "Run {RunId} step {StepId}: the last lease renewal failed while the action ended", runId, row.StepId);
        }
    }

    private void LogState(RunTx tx, string stepId)
    {
        var row = tx.Step(stepId);
        if (row is null)
        {
            return;
        }

        switch (row.Status)
        {
            case StepStatus.Waiting:
                logger.LogInformation("Run {RunId} step {StepId} waiting{Progress}; next check in {Delay}", tx.Run.Id, stepId, row.Progress is null ? "" : $" ({row.Progress})", Duration.Format(TimeSpan.FromMilliseconds(Math.Max(0, (row.NextPollAt ?? 0) - machine.Now))));
                break;
            case StepStatus.Succeeded or StepStatus.Failed:
                logger.LogInformation("Run {RunId} step {StepId} {Status}", tx.Run.Id, stepId, row.Status.ToString().ToLowerInvariant());
                break;
        }

        if (tx.Run.Status.IsTerminal() && tx.RunDirty)
        {
            logger.LogInformation("Run {RunId} ({Workflow}) {Status}{Error}", tx.Run.Id, tx.Run.Workflow, tx.Run.Status.ToString().ToLowerInvariant(), tx.Run.Error is null ? "" : $": {tx.Run.Error}");
        }
    }

    private static JsonElement? ToElement(JsonNode? node) => node is null ? null : JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();

    /// <summary>The idempotency key of a step: stable across attempts, polls and crashes.</summary>
    public static string IdempotencyKey(string runId, string stepId) => $"{runId}:{stepId}";
}
