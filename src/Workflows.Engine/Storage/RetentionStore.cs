using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>What is deleted when it is old enough: the log chunks of finished runs (the audit stays).</summary>
public sealed class RetentionStore
{
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
}
