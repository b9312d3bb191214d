using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.Engine.Telemetry;

namespace Workflows.Engine.Execution;

/// <summary>Starts, cancels, retries and approves runs.</summary>
public sealed partial class RunCommands(
    WorkflowCatalog catalog,
    RunStore store,
    RunQueries queries,
    RunMachine machine,
    StepDispatcher dispatcher,
    RunSignals signals,
    IOptions<EngineOptions> options,
    ILogger<RunCommands> logger,
    IEnumerable<IWorkflowRequirement> requirements,
    ICloudDirectory? clouds = null,
    EngineMetrics? metrics = null,
    IWorkflowPlanner? planner = null,
    StepExecutions? executions = null) : IRunCommands, IRunBulkCommands
{
    /// <inheritdoc />
    public async Task<RunSummary> StartAsync(StartRunRequest request, CancellationToken cancellationToken = default)
    {
        var idempotency = request.IdempotencyKey is null ? null : Idempotency(request);
        if (idempotency is not null && await store.FindIdempotencyKeyAsync(idempotency.Scope, idempotency.Key, machine.Now, cancellationToken) is { } seen)
        {
            return await ReplayAsync(idempotency, seen, cancellationToken);
        }

        var def = catalog.Get(request.Workflow) ?? throw new WorkflowNotFoundException(request.Workflow);
        return await StartCoreAsync(def, request, idempotency, cancellationToken);
    }

    private async Task<RunSummary> StartCoreAsync(WorkflowDefinition def, StartRunRequest request, IdempotencyRequest? idempotency, CancellationToken cancellationToken)
    {
        var inputs = InputValidator.Validate(def, request.Inputs, clouds: clouds);
        var id = Guid.NewGuid().ToString();
        var now = machine.Now;
        var run = new RunRow
        {
            Id = id,
            Workflow = def.Name,
            Version = def.Version,
            Status = RunStatus.Running,
            Inputs = machine.Codec.Protect(inputs),
            TriggerKind = request.Trigger.Kind.ToString(),
            TriggerActor = request.Trigger.Actor,
            TriggerRef = request.Trigger.Reference,
            CreatedAt = now,
            UpdatedAt = now,
        };
        CheckRequirements(def, RunScope.Build(machine.Codec, run, []));
        if (def.Concurrency is { } concurrency)
        {
            var scope = RunScope.Build(machine.Codec, run, []);
            var key = Expression.ToText(SecretCodec.Mask(Template.Parse(concurrency).Evaluate(scope)));
            run.ConcurrencyKey = $"{def.Name}:{key}";
        }

        var plan = await PlanBeforeStartAsync(def, request, cancellationToken);
        using var span = EngineTelemetry.StartRun(run);
        run.TraceParent = span?.Id;
        var steps = def.Steps.Select((s, i) => new StepRow { RunId = id, StepId = s.Id, Kind = StepKinds.Step, Position = i, Status = StepStatus.Pending }).ToList();
        var by = request.Trigger.Reference is null ? request.Trigger.Actor : $"{request.Trigger.Actor} ({request.Trigger.Reference})";
        var audit = new List<AuditRow>
        {
            new()
            {
                RunId = id, At = now, Kind = "run.created", Actor = request.Trigger.Actor,
                Message = $"Run of {def.Name} (version {def.Version}) created by {request.Trigger.Kind.ToString().ToLowerInvariant()} {by}",
                Data = new JsonObject { ["trigger"] = request.Trigger.Kind.ToString(), ["actor"] = request.Trigger.Actor, ["reference"] = request.Trigger.Reference, ["inputs"] = SecretCodec.Mask(inputs) }.ToJsonString(),
            },
        };

        // One transaction: the run, its steps, the plan, the idempotency key, its audit, notifications and first
        // dispatches (or its place in the queue of its concurrency key) commit together or not at all.
        var started = $"Run started by {by}";
        var planRow = plan is null ? null : RunPlans.Row(id, plan, request.Trigger.Actor, plan.Summary.Errors > 0, now);

        // A free worker of this server takes the first step at once: it is claimed (Running on a lease, no job) in the
        // start transaction and executed in the background after the commit, saving the queue round trip and a claim.
        RunTx? tx;
        using (var reservation = executions?.TryReserve())
        {
            // Disposing gives the worker back on every path where the step was not handed to it: the transaction
            // failed, a twin took the idempotency key, the run queued, or its first step did not start.
            try
            {
                tx = await store.InsertRunAsync(
                    run,
                    steps,
                    audit,
                    (t, holder) =>
                    {
                        if (holder is null)
                        {
                            machine.Begin(t, def, started, allowInline: reservation is not null);
                        }
                        else
                        {
                            machine.Audit(t, "run.queued", $"Waiting for run {holder} which holds concurrency key '{run.ConcurrencyKey}'");
                        }
                    },
                    cancellationToken,
                    idempotency?.Row(id, now, now + (long)options.Value.IdempotencyKeyLifetime.TotalMilliseconds),
                    planRow);
            }
            catch (IdempotencyKeyTakenException)
            {
                tx = null;
            }

            if (tx?.InlineNext is not null && reservation is not null)
            {
                executions!.Run(reservation, tx, def);
            }
        }

        if (tx is null)
        {
            // A twin request with the same key committed first (it held the key while we waited for it).
            return await ReplayAsync(idempotency!, await store.FindIdempotencyKeyAsync(idempotency!.Scope, idempotency.Key, machine.Now, cancellationToken), cancellationToken);
        }

        metrics?.RunStarted(def.Name, request.Trigger.Kind.ToString());

        // The run exists from here on: whatever fails next, the caller gets its id (a dispatch that never ran is sent
        // again by the sweeper), so a client never retries into a second run.
        await AfterStartAsync(tx, def, request.Trigger);
        if (idempotency is not null)
        {
            await CompleteAsync(idempotency);
        }

        // What was committed is what the caller gets: no need to read it back.
        return RunQueries.ToSummary(tx.Run);
    }

    /// <summary>
    /// The plan a start keeps with its run: the caller's preview, or one made now when the start asks for it or the
    /// definition requires it (<c>plan: required</c>); null for neither. Refuses a plan with errors unless overridden.
    /// </summary>
    private async Task<WorkflowPlan?> PlanBeforeStartAsync(WorkflowDefinition def, StartRunRequest request, CancellationToken cancellationToken)
    {
        if (!def.PlanRequired && !request.Plan && request.Preview is null)
        {
            return null;
        }

        // A preview counts only when it planned this very version: a definition reloaded since plans again.
        var plan = request.Preview is { } preview && preview.Workflow == def.Name && preview.Version == def.Version
            ? preview
            : planner is null
                ? throw new InvalidOperationException($"Workflow {def.Name} requires a plan (plan: required), but no planner is registered.")
                : await planner.PlanAsync(new PlanRequest(def.Name, request.Inputs, request.Trigger.Actor), cancellationToken);
        return plan.Summary.Errors > 0 && !request.OverridePlanErrors ? throw new PlanHasErrorsException(plan) : plan;
    }

    private async Task AfterStartAsync(RunTx tx, WorkflowDefinition def, TriggerInfo trigger)
    {
        var run = tx.Run;
        if (run.Status == RunStatus.Queued)
        {
            logger.LogInformation("Run {RunId} ({Workflow}) queued behind {Holder} (key {Key})", run.Id, def.Name, run.QueuedBehind, run.ConcurrencyKey);
            signals.Publish(run.Id, "run");
            return;
        }

        try
        {
            // Not cancellable: the run is committed, and a client that went away must not leave it half begun.
            await dispatcher.AfterCommitAsync(tx, CancellationToken.None);
            logger.LogInformation("Run {RunId} ({Workflow}) started by {Trigger} {Actor}", run.Id, def.Name, trigger.Kind, trigger.Actor);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Run {RunId} ({Workflow}) was started, but dispatching its first steps failed; the sweeper will dispatch them", run.Id, def.Name);
        }
    }

    /// <inheritdoc />
    public Task CancelAsync(Guid runId, string actor, string? reason = null, CancellationToken cancellationToken = default) =>
        CancelCoreAsync(runId, actor, reason, null, cancellationToken);

    private async Task CancelCoreAsync(Guid runId, string actor, string? reason, BulkTag? bulk, CancellationToken cancellationToken)
    {
        var tx = await store.MutateAsync(
            runId.ToString(),
            async t =>
            {
                if (t.Run.Status.IsTerminal())
                {
                    throw new RunStateException($"Run {runId} has already finished ({t.Run.Status.ToString().ToLowerInvariant()}).");
                }

                machine.Cancel(t, await DefinitionAsync(t.Run.Version, cancellationToken), actor, reason);
                bulk?.Write(machine, t);
            },
            cancellationToken) ?? throw new RunNotFoundException($"Run {runId} does not exist.");
        await dispatcher.AfterCommitAsync(tx, cancellationToken);
        signals.CancelRun(runId.ToString());
        logger.LogInformation("Run {RunId} cancel requested by {Actor}", runId, actor);
    }

    /// <inheritdoc />
    public Task<RunSummary> RetryAsync(Guid runId, RetryRequest request, CancellationToken cancellationToken = default) =>
        RetryCoreAsync(runId, request, null, cancellationToken);

    private async Task<RunSummary> RetryCoreAsync(Guid runId, RetryRequest request, BulkTag? bulk, CancellationToken cancellationToken)
    {
        var id = runId.ToString();
        var snapshot = await store.LoadAsync(id, cancellationToken) ?? throw new RunNotFoundException($"Run {runId} does not exist.");
        var def = await DefinitionAsync(snapshot.Run.Version, cancellationToken);
        if (request.FromStep is { } from && def.FindStep(from) is null)
        {
            throw new InputValidationException([new FieldError("fromStep", $"run {runId} has no step '{from}'; its steps are: {string.Join(", ", def.Steps.Select(s => s.Id))}")]);
        }

        JsonObject? newInputs = null;
        var edited = new List<string>();
        if (request.Inputs is { Count: > 0 } changes)
        {
            var previous = machine.Codec.Unprotect(snapshot.Run.Inputs) as JsonObject ?? [];
            newInputs = InputValidator.Validate(def, changes, previous, clouds);
            edited = changes.Where(kv => kv.Value is not null && kv.Value.ToJsonString() != "\"\"").Select(kv => kv.Key).ToList();
        }

        string? holder = null;
        if (snapshot.Run.ConcurrencyKey is { } key && snapshot.Run.Status.IsTerminal())
        {
            holder = await store.ClaimConcurrencyKeyAsync(key, id, cancellationToken);
        }

        var tx = await store.MutateAsync(
            id,
            t =>
            {
                if (t.Run.Status is not (RunStatus.Failed or RunStatus.Cancelled))
                {
                    throw new RunStateException($"Run {runId} is {t.Run.Status.ToString().ToLowerInvariant()}; only failed or cancelled runs can be retried.");
                }

                if (newInputs is not null)
                {
                    t.Run.Inputs = machine.Codec.Protect(newInputs);
                }

                var queued = holder is not null && holder != id;
                machine.Retry(t, def, request.Actor, request.FromStep, edited, queued, holder);
                bulk?.Write(machine, t);
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        await dispatcher.AfterCommitAsync(tx!, cancellationToken);
        logger.LogInformation("Run {RunId} retried by {Actor}", runId, request.Actor);
        return await GetSummaryAsync(id, cancellationToken);
    }

    /// <inheritdoc />
    public Task DecideAsync(Guid runId, string stepId, ApprovalDecision decision, CancellationToken cancellationToken = default) =>
        DecideCoreAsync(runId, stepId, decision, null, cancellationToken);

    private async Task DecideCoreAsync(Guid runId, string stepId, ApprovalDecision decision, BulkTag? bulk, CancellationToken cancellationToken)
    {
        try
        {
            await DecideInTransactionAsync(runId, stepId, decision, bulk, cancellationToken);
        }
        catch (ApprovalNotAllowedException refused)
        {
            // The decision's transaction rolled back; the refusal is still part of the run's story (who tried, why).
            var verb = decision.Approved ? "approve" : "reject";
            await store.AppendAuditAsync(
                [new AuditRow
                {
                    RunId = runId.ToString(),
                    StepId = stepId,
                    At = machine.Now,
                    Kind = "approval.refused",
                    Actor = decision.Actor,
                    Message = $"{decision.Actor} may not {verb} step '{stepId}': {refused.Message}" + (bulk is null ? "" : " (bulk operation)"),
                }],
                cancellationToken);
            logger.LogInformation("Run {RunId}: {Actor} refused to {Verb} step {StepId}: {Reason}", runId, decision.Actor, verb, stepId, refused.Message);
            throw;
        }
    }

    private async Task DecideInTransactionAsync(Guid runId, string stepId, ApprovalDecision decision, BulkTag? bulk, CancellationToken cancellationToken)
    {
        var tx = await store.MutateAsync(
            runId.ToString(),
            async t =>
            {
                var def = await DefinitionAsync(t.Run.Version, cancellationToken);
                var row = t.Step(stepId);
                if (row is null || def.FindStep(stepId) is not { } sd)
                {
                    throw new RunNotFoundException($"Run {runId} has no step '{stepId}'.");
                }

                if (sd.Uses != ApprovalAction.Name)
                {
                    throw new RunStateException($"Step '{stepId}' is not an approval step (it uses {sd.Uses}).");
                }

                if (row.Status is not (StepStatus.Waiting or StepStatus.Running) || t.Run.Status != RunStatus.Running)
                {
                    throw new RunStateException($"Step '{stepId}' is {row.Status.ToString().ToLowerInvariant()}, not waiting for a decision.");
                }

                if (row.Signal is not null)
                {
                    throw new RunStateException($"Step '{stepId}' has already been decided.");
                }

                ApprovalGate.Decide(machine, t, def, row, sd.Approval ?? ApprovalPolicy.Default, decision);
                bulk?.Write(machine, t);
            },
            cancellationToken,
            withApprovals: true) ?? throw new RunNotFoundException($"Run {runId} does not exist.");
        await dispatcher.AfterCommitAsync(tx, cancellationToken);
    }

    private async Task<WorkflowDefinition> DefinitionAsync(string version, CancellationToken ct) =>
        await catalog.GetVersionAsync(version, ct) ?? throw new RunStateException($"Definition version {version} is no longer available.");

    private async Task<RunSummary> GetSummaryAsync(string id, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(id, ct);
        return RunQueries.ToSummary(loaded!.Value.Run);
    }

    /// <summary>Refuses the start, before anything is created, when the server lacks what the definition's <c>requires:</c> names.</summary>
    private void CheckRequirements(WorkflowDefinition def, IExpressionScope scope)
    {
        foreach (var (name, template) in def.Requires)
        {
            var requirement = requirements.FirstOrDefault(r => r.Name == name)
                ?? throw new RequirementNotMetException(def.Name, name, $"requires '{name}', which this server does not know (no integration registers it).");
            var value = Template.Parse(template).Evaluate(scope);
            if (value is JsonValue v && v.TryGetValue(out bool flag) && !flag)
            {
                continue;
            }

            var text = value is JsonValue b && b.TryGetValue(out bool _) ? string.Empty : Expression.ToText(value);
            if (requirement.Check(text) is { } problem)
            {
                logger.LogInformation("Run of {Workflow} refused: requirement {Requirement} not met: {Problem}", def.Name, name, problem);
                throw new RequirementNotMetException(def.Name, name, problem);
            }
        }
    }
}
