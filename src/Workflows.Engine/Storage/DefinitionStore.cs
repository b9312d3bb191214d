using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>The definition versions runs are pinned to (wf_definitions): stored once per content hash, read back by version.</summary>
public sealed class DefinitionStore
{
    private readonly EngineDatabase database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The engine's database.</param>
    public DefinitionStore(EngineDatabase database) => this.database = database;

    /// <summary>Stores a version; a version already stored is left as it is.</summary>
    /// <param name="version">The content hash.</param>
    /// <param name="name">The workflow's name.</param>
    /// <param name="source">The YAML text.</param>
    /// <param name="file">The file it was read from.</param>
    /// <param name="at">When (Unix ms).</param>
    /// <param name="ct">The cancellation token.</param>
    public async Task InsertAsync(string version, string name, string source, string file, long at, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_definitions (version, name, source, file, created_at) VALUES (@version, @name, @source, @file, @at) ON CONFLICT (version) DO NOTHING",
            new { version, name, source, file, at });
    }

    /// <summary>Reads a version's file and YAML text, or null when it was never stored.</summary>
    public async Task<(string File, string Source)?> GetAsync(string version, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<(string File, string Source)?>("SELECT file, source FROM wf_definitions WHERE version = @version", new { version });
    }
}
