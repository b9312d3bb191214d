using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Drift at run time (issue 14): just before a step of a planned run executes for the first time, plans the step
/// again (read-only, with its inputs as evaluated now) and compares that with what the stored plan said; whatever
/// changed in between goes to the step's log and the run's audit (<c>step.drift</c>).
/// </summary>
/// <remarks>
/// A warning only: drift never fails the step (the action decides what to do with the world as it finds it), and a
/// drift check that cannot be made (the cloud unreachable, planning slower than <c>Workflows:PlanStepTimeout</c>) is
/// logged as "drift check failed: …" and the step goes on. Only the first execution of the first attempt is checked:
/// a retry or a poll finds the step's own work, which is no drift.
/// </remarks>
public sealed class PlanDrift(RunStore store, WorkflowPlanner planner, ILogger<PlanDrift> logger)
{
    /// <summary>The audit kind of a drift warning (stable; notifications and tests read it).</summary>
    public const string AuditKind = "step.drift";

    /// <summary>Checks the step against the run's stored plan, writing what drifted into <paramref name="log"/> and <paramref name="audit"/>.</summary>
    internal async Task CheckAsync(RunRow run, WorkflowDefinition def, StepDefinition sd, System.Text.Json.Nodes.JsonObject inputs, string idempotencyKey, Redactor redactor, IStepLog log, IStepAudit audit, CancellationToken ct)
    {
        if (!run.HasPlan)
        {
            // Started without a plan (the flag is set in the transaction that stores one): nothing to compare, no read.
            return;
        }

        WorkflowPlan? plan;
        try
        {
            plan = await store.GetRunPlanAsync(run.Id, ct) is { } json ? JsonSerializer.Deserialize<WorkflowPlan>(json, JsonDefaults.Options) : null;
        }
        catch (JsonException e)
        {
            log.WriteLine($"drift check failed: the stored plan cannot be read ({e.Message})");
            return;
        }

        if (plan?.Steps.FirstOrDefault(s => s.Id == sd.Id) is not { } planned || planned.Plan.Action is PlanAction.NotPlanned or PlanAction.Skipped)
        {
            return;
        }

        StepPlan? now;
        try
        {
            now = await planner.ReplanStepAsync(def, sd, inputs, idempotencyKey, redactor, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var why = e is StepFailedException or TimeoutException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            log.WriteLine($"drift check failed: {redactor.Redact(why)}");
            logger.LogInformation("Run {RunId} step {StepId}: the drift check failed: {Error}", run.Id, sd.Id, redactor.Redact(why));
            return;
        }

        if (now is null)
        {
            return;
        }

        var changes = Compare(planned.Plan, now);
        var when = plan!.PlannedAt.ToString("u", CultureInfo.InvariantCulture);
        if (changes.Count == 0)
        {
            log.WriteLine($"drift check: the world is as planned at {when}");
            return;
        }

        var message = $"Step '{sd.Id}' drifted from the plan made at {when}: {string.Join("; ", changes)}";
        log.WriteLine($"WARNING drift: {message}");
        audit.Record(AuditKind, message);
        logger.LogWarning("Run {RunId} step {StepId}: {Message}", run.Id, sd.Id, redactor.Redact(message));
    }

    /// <summary>
    /// What changed between a step's stored plan and its plan now, one phrase each: the step's action, its objects
    /// (kind, name, action, key facts), checks that passed then and fail now (or the reverse), and new errors.
    /// Values the stored plan did not know yet (<c>(known after …)</c>) are no drift.
    /// </summary>
    public static IReadOnlyList<string> Compare(StepPlan then, StepPlan now)
    {
        var changes = new List<string>();
        if (then.Action != now.Action && then.Action != PlanAction.Unknown)
        {
            changes.Add($"the plan said {Text(then.Action)}, now it is {Text(now.Action)}");
        }

        foreach (var group in then.Resources.GroupBy(r => r.Kind))
        {
            var current = now.Resources.Where(r => r.Kind == group.Key).ToList();
            var i = 0;
            foreach (var before in group)
            {
                var after = current.FirstOrDefault(r => SameName(before.Name, r.Name)) ?? (i < current.Count ? current[i] : null);
                i++;
                if (after is null)
                {
                    changes.Add($"{before.Kind} \"{before.Name}\" is no longer in the plan");
                    continue;
                }

                var label = $"{after.Kind} \"{after.Name}\"";
                if (!IsUnknown(before.Name) && !SameName(before.Name, after.Name))
                {
                    changes.Add($"{before.Kind} name: {before.Name} → {after.Name}");
                }

                if (before.Action != after.Action && before.Action != PlanAction.Unknown)
                {
                    changes.Add($"{label}: {Text(before.Action)} → {Text(after.Action)}");
                }

                foreach (var (key, value) in before.Attributes)
                {
                    if (!IsUnknown(value) && after.Attributes.TryGetValue(key, out var v) && v != value)
                    {
                        changes.Add($"{label} {key}: {value} → {v}");
                    }
                }
            }
        }

        foreach (var before in then.Checks)
        {
            if (now.Checks.FirstOrDefault(c => c.Name == before.Name) is not { } after || after.Outcome == before.Outcome)
            {
                continue;
            }

            var worse = before.Outcome == PlanCheckOutcome.Passed && after.Outcome is PlanCheckOutcome.Failed or PlanCheckOutcome.Warning;
            var better = before.Outcome is PlanCheckOutcome.Failed or PlanCheckOutcome.Warning && after.Outcome == PlanCheckOutcome.Passed;
            if (worse || better)
            {
                changes.Add($"check {before.Name}: {Text(before.Outcome)} then ({before.Detail}), {Text(after.Outcome)} now ({after.Detail})");
            }
        }

        foreach (var error in now.Problems.Where(p => p.Severity == PlanSeverity.Error))
        {
            // An error the stored plan already had (overridden at start) is no news; one on another field is.
            if (!then.Problems.Any(p => p.Severity == PlanSeverity.Error && p.Field == error.Field)
                && !changes.Any(c => c.Contains(error.Message, StringComparison.Ordinal)))
            {
                changes.Add($"new error on {error.Field}: {error.Message}");
            }
        }

        return changes;
    }

    private static bool IsUnknown(string value) => value.Contains("(known after", StringComparison.Ordinal);

    // "myvm" planned, "myvm (id)" when an existing object is named with its id.
    private static bool SameName(string a, string b) =>
        a == b || b.StartsWith(a + " (", StringComparison.Ordinal) || a.StartsWith(b + " (", StringComparison.Ordinal);

    private static string Text(PlanAction action) => action switch
    {
        PlanAction.NoChange => "nothing to change",
        PlanAction.NotPlanned => "not planned",
        _ => action.ToString().ToLowerInvariant(),
    };

    private static string Text(PlanCheckOutcome outcome) => outcome.ToString().ToLowerInvariant();
}
