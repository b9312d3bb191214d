using Dapper;
using Workflows.Abstractions.Definitions;

namespace Workflows.Engine.Storage;

/// <summary>
/// Reads the definition versions the catalog stores by content hash (<c>wf_definitions</c>) and counts the runs pinned
/// to each (<c>wf_runs.version</c>). The same SQL runs on SQLite and PostgreSQL.
/// </summary>
public sealed class WorkflowVersions(EngineDatabase database) : IWorkflowVersions
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkflowVersion>> ListAsync(string workflow, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var versions = await c.QueryAsync<(string Version, string File, long CreatedAt)>(new CommandDefinition(
            "SELECT version, file, created_at FROM wf_definitions WHERE name = @workflow ORDER BY created_at DESC, version",
            new { workflow },
            cancellationToken: cancellationToken));

        // Counted per workflow (its index on wf_runs), not per version: wf_runs has no index on version.
        var counts = (await c.QueryAsync<(string Version, long Runs)>(new CommandDefinition(
            "SELECT version, COUNT(*) FROM wf_runs WHERE workflow = @workflow GROUP BY version",
            new { workflow },
            cancellationToken: cancellationToken))).ToDictionary(r => r.Version, r => r.Runs, StringComparer.Ordinal);
        return versions.Select(v => new WorkflowVersion(v.Version, v.File, DateTimeOffset.FromUnixTimeMilliseconds(v.CreatedAt), counts.GetValueOrDefault(v.Version))).ToList();
    }

    /// <inheritdoc />
    public async Task<WorkflowVersionSource?> GetAsync(string workflow, string version, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<(string File, long CreatedAt, string Source)?>(new CommandDefinition(
            "SELECT file, created_at, source FROM wf_definitions WHERE name = @workflow AND version = @version",
            new { workflow, version },
            cancellationToken: cancellationToken));
        if (row is not { } r)
        {
            return null;
        }

        var runs = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM wf_runs WHERE workflow = @workflow AND version = @version",
            new { workflow, version },
            cancellationToken: cancellationToken));
        return new WorkflowVersionSource(new WorkflowVersion(version, r.File, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt), runs), r.Source);
    }
}
