using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>The plans runs were started with (wf_run_plans, migration 4).</summary>
public sealed partial class RunStore
{
    /// <summary>Stores a run's plan together with the audit event that summarizes it, in one transaction.</summary>
    /// <returns>False when the run has a plan already (nothing is written).</returns>
    public async Task<bool> InsertRunPlanAsync(string runId, long plannedAt, long recordedAt, string actor, string plan, AuditRow audit, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var inserted = await c.ExecuteAsync(
            "INSERT INTO wf_run_plans (run_id, planned_at, recorded_at, actor, plan) VALUES (@runId, @plannedAt, @recordedAt, @actor, @plan) ON CONFLICT (run_id) DO NOTHING",
            new { runId, plannedAt, recordedAt, actor, plan },
            tx);
        if (inserted == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        await c.ExecuteAsync("UPDATE wf_runs SET has_plan = @hasPlan WHERE id = @runId", new { runId, hasPlan = true }, tx);
        await c.ExecuteAsync("INSERT INTO wf_audit (run_id, at, kind, actor, step_id, message, data) VALUES (@RunId, @At, @Kind, @Actor, @StepId, @Message, @Data)", audit, tx);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Gets the stored plans (JSON) of those of <paramref name="runIds"/> that have one, by run id.</summary>
    public async Task<Dictionary<string, string>> GetRunPlansAsync(IReadOnlyCollection<string> runIds, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return [];
        }

        await using var c = await Database.OpenAsync(ct);
        var sql = Database.Kind == DatabaseKind.Postgres
            ? "SELECT run_id AS RunId, plan AS Plan FROM wf_run_plans WHERE run_id = ANY(@ids)"
            : "SELECT run_id AS RunId, plan AS Plan FROM wf_run_plans WHERE run_id IN @ids";
        var rows = await c.QueryAsync<(string RunId, string Plan)>(sql, new { ids = runIds.ToArray() });
        return rows.ToDictionary(r => r.RunId, r => r.Plan, StringComparer.Ordinal);
    }

    /// <summary>Gets a run's plan as stored (JSON), or null.</summary>
    public async Task<string?> GetRunPlanAsync(string runId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<string?>("SELECT plan FROM wf_run_plans WHERE run_id = @runId", new { runId });
    }
}

/// <summary>A row of wf_run_plans: the plan a run was started with, and the audit event that summarizes it.</summary>
public sealed class RunPlanRow
{
    /// <summary>Gets or sets the run.</summary>
    public string RunId { get; set; } = "";

    /// <summary>Gets or sets when the plan was made (Unix ms).</summary>
    public long PlannedAt { get; set; }

    /// <summary>Gets or sets when it was stored with the run (Unix ms).</summary>
    public long RecordedAt { get; set; }

    /// <summary>Gets or sets who started the run.</summary>
    public string Actor { get; set; } = "";

    /// <summary>Gets or sets the plan (JSON, secrets already masked).</summary>
    public string Plan { get; set; } = "";

    /// <summary>Gets or sets the <c>run.planned</c> audit event written with it.</summary>
    public AuditRow Audit { get; set; } = new();
}
