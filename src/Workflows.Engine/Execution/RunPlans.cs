using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>Keeps the plan a run was started with, and its one-line summary in the run's audit (<c>run.planned</c>).</summary>
public sealed class RunPlans(RunStore store, TimeProvider clock) : IRunPlans
{
    /// <inheritdoc />
    public async Task RecordAsync(Guid runId, WorkflowPlan plan, string actor, bool overridden, CancellationToken cancellationToken = default)
    {
        var row = Row(runId.ToString(), plan, actor, overridden, clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (!await store.InsertRunPlanAsync(row.RunId, row.PlannedAt, row.RecordedAt, actor, row.Plan, row.Audit, cancellationToken))
        {
            throw new InvalidOperationException($"Run {runId} has a plan already.");
        }
    }

    /// <summary>
    /// The stored form of a plan and its <c>run.planned</c> audit event, for <see cref="RunStore.InsertRunAsync"/> to write
    /// in the transaction that starts the run.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="plan">The plan made before the start (secrets already masked).</param>
    /// <param name="actor">Who started the run.</param>
    /// <param name="overridden">Whether the run was started although the plan had errors.</param>
    /// <param name="now">The time it is recorded (Unix ms).</param>
    /// <returns>The row.</returns>
    public static RunPlanRow Row(string runId, WorkflowPlan plan, string actor, bool overridden, long now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var s = plan.Summary;
        var message = Summary(plan) + (overridden ? $"; started by {actor} despite {Count(s.Errors, "error")} (plan override)" : string.Empty);
        return new RunPlanRow
        {
            RunId = runId,
            PlannedAt = plan.PlannedAt.ToUnixTimeMilliseconds(),
            RecordedAt = now,
            Actor = actor,
            Plan = JsonSerializer.Serialize(plan, JsonDefaults.Options),
            Audit = new AuditRow
            {
                RunId = runId,
                At = now,
                Kind = "run.planned",
                Actor = actor,
                Message = message,
                Data = new JsonObject
                {
                    ["plannedAt"] = plan.PlannedAt.ToString("O", CultureInfo.InvariantCulture),
                    ["version"] = plan.Version,
                    ["summary"] = JsonSerializer.SerializeToNode(s, JsonDefaults.Options),
                    ["overridden"] = overridden,
                }.ToJsonString(),
            },
        };
    }

    /// <inheritdoc />
    public async Task<WorkflowPlan?> GetAsync(Guid runId, CancellationToken cancellationToken = default) =>
        await store.GetRunPlanAsync(runId.ToString(), cancellationToken) is { } json ? JsonSerializer.Deserialize<WorkflowPlan>(json, JsonDefaults.Options) : null;

    /// <summary>The plan in one line (<see cref="PlanSummary.ToText"/>): <c>Plan: 2 to create, 1 to adopt, 0 to change, 0 to destroy; 0 errors, 1 warning</c>.</summary>
    public static string Summary(WorkflowPlan plan) => plan.Summary.ToText();

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : string.Create(CultureInfo.InvariantCulture, $"{n} {what}s");
}
