using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>
/// The resource ledger's writes and a run's entries: what runs created, recorded straight away (outside a state change),
/// so compensation and orphan clean-up know it even if the step crashes next.
/// </summary>
public sealed class LedgerStore
{
    private readonly EngineDatabase database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The engine's database.</param>
    public LedgerStore(EngineDatabase database) => this.database = database;

    /// <summary>
    /// Records a resource of a run's step; the same (kind, provider, external id) recorded again takes the new name and
    /// properties and is no longer deleted (nor gone).
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="stepId">The step.</param>
    /// <param name="kind">The resource kind.</param>
    /// <param name="provider">The provider ("" when none).</param>
    /// <param name="externalId">The resource's id where it lives.</param>
    /// <param name="name">Its name, if any.</param>
    /// <param name="properties">Its properties as JSON, if any.</param>
    /// <param name="now">When (Unix ms).</param>
    /// <param name="ct">The cancellation token.</param>
    public async Task RecordAsync(string runId, string stepId, string kind, string provider, string externalId, string? name, string? properties, long now, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            """
            INSERT INTO wf_resources (run_id, step_id, kind, provider, external_id, name, properties, created_at, deleted_at)
            VALUES (@runId, @stepId, @kind, @provider, @externalId, @name, @properties, @now, NULL)
            ON CONFLICT (kind, provider, external_id) DO UPDATE SET name = excluded.name, properties = excluded.properties, deleted_at = NULL, deleted_reason = NULL, deleted_by = NULL
            """,
            new { runId, stepId, kind, provider, externalId, name, properties, now });
    }

    /// <summary>Marks a live resource deleted by a run (of any provider when <paramref name="provider"/> is null); returns how many rows changed.</summary>
    public async Task<int> MarkDeletedAsync(string kind, string externalId, string? provider, long now, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(
            "UPDATE wf_resources SET deleted_at = @now, deleted_reason = 'Deleted' WHERE kind = @kind AND external_id = @externalId AND (@provider IS NULL OR provider = @provider) AND deleted_at IS NULL",
            new { kind, externalId, provider, now });
    }

    /// <summary>Reads the live entries of a kind and external id (of any provider when <paramref name="provider"/> is null), of any run.</summary>
    public async Task<List<ResourceRow>> FindLiveAsync(string kind, string externalId, string? provider, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<ResourceRow>(
            "SELECT * FROM wf_resources WHERE kind = @kind AND external_id = @externalId AND (@provider IS NULL OR provider = @provider) AND deleted_at IS NULL ORDER BY id",
            new { kind, externalId, provider })).ToList();
    }

    /// <summary>Reads a run's entries, deleted ones included, in the order they were recorded.</summary>
    public async Task<List<ResourceRow>> ForRunAsync(string runId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<ResourceRow>("SELECT * FROM wf_resources WHERE run_id = @runId ORDER BY id", new { runId })).ToList();
    }

    /// <summary>Reads live (not deleted) entries, oldest first, at most <paramref name="max"/>.</summary>
    public async Task<List<ResourceRow>> LiveAsync(int max, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<ResourceRow>($"SELECT * FROM wf_resources WHERE deleted_at IS NULL ORDER BY id LIMIT {max}")).ToList();
    }

    /// <summary>Finds the entry of a (kind, provider, external id) with its run's status (a <see cref="Abstractions.Runs.RunStatus"/> name), or null.</summary>
    internal async Task<(ResourceRow Row, string RunStatus)?> FindWithRunStatusAsync(string kind, string provider, string externalId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var found = await c.QueryAsync<ResourceRow, string, (ResourceRow, string)>(
            "SELECT r.*, u.status AS run_status FROM wf_resources r JOIN wf_runs u ON u.id = r.run_id WHERE r.kind = @kind AND r.provider = @provider AND r.external_id = @externalId",
            (row, status) => (row, status),
            new { kind, provider, externalId },
            splitOn: "run_status");
        return found.Select(x => ((ResourceRow, string)?)x).SingleOrDefault();
    }
}
