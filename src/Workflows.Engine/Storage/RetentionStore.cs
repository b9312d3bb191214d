using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>
/// What is deleted when it is old enough: the log chunks of finished runs, and (when a run retention is configured)
/// finished runs whole — except runs that still own live resources or undelivered notifications.
/// </summary>
public sealed class RetentionStore
{
    /// <summary>The tables that hold a run's rows besides <c>wf_runs</c>, deleted with it.</summary>
    private static readonly string[] RunTables = ["wf_steps", "wf_attempts", "wf_audit", "wf_logs", "wf_resources", "wf_approvals", "wf_run_plans", "wf_notifications", "wf_idempotency"];

    private readonly EngineDatabase database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The engine's database.</param>
    public RetentionStore(EngineDatabase database) => this.database = database;

    /// <summary>Deletes the log chunks of the runs that finished before <paramref name="before"/> (Unix ms); returns how many.</summary>
    public async Task<int> PruneLogsAsync(long before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync("DELETE FROM wf_logs WHERE run_id IN (SELECT id FROM wf_runs WHERE finished_at IS NOT NULL AND finished_at < @before)", new { before });
    }

    /// <summary>
    /// Deletes up to <paramref name="max"/> runs that finished (Succeeded, Failed or Cancelled) before
    /// <paramref name="before"/> (Unix ms) with all their rows — steps, attempts, audit, logs, deleted ledger entries,
    /// approvals, plans, delivered notifications, idempotency keys — in one transaction; returns how many runs. A run that still owns a
    /// live ledger entry (the Resources page's orphans) or a notification not yet delivered is kept.
    /// </summary>
    public async Task<int> PruneRunsAsync(long before, int max, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await database.BeginAsync(c, ct);

        // Locked (PostgreSQL) so a retry that reopens one of them waits, then finds it gone; SQLite's writer lock covers it.
        var lockRows = database.Kind == DatabaseKind.Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        var ids = (await c.QueryAsync<string>(
            $"""
            SELECT r.id FROM wf_runs r
            WHERE r.finished_at IS NOT NULL AND r.finished_at < @before AND r.status IN ('Succeeded', 'Failed', 'Cancelled')
              AND NOT EXISTS (SELECT 1 FROM wf_resources x WHERE x.run_id = r.id AND x.deleted_at IS NULL)
              AND NOT EXISTS (SELECT 1 FROM wf_notifications n WHERE n.run_id = r.id AND n.status = 'Pending')
            ORDER BY r.finished_at
            LIMIT @max{lockRows}
            """,
            new { before, max },
            tx)).ToList();
        if (ids.Count == 0)
        {
            return 0;
        }

        // PostgreSQL takes the ids as one array parameter; Dapper expands the list for SQLite.
        var anyOf = database.Kind == DatabaseKind.Postgres ? "= ANY(@ids)" : "IN @ids";
        var args = new { ids = ids.ToArray() };
        // Ten deletes that do not depend on each other: one round trip on PostgreSQL.
        var batch = new WriteBatch(c, tx);
        foreach (var table in RunTables)
        {
            batch.Add($"DELETE FROM {table} WHERE run_id {anyOf}", args);
        }

        batch.Add($"DELETE FROM wf_runs WHERE id {anyOf}", args);
        var affected = await batch.ExecuteAsync(ct);
        await tx.CommitAsync(ct);
        return affected[^1];
    }
}
