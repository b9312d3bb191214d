using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>The idempotency keys of run starts: written in the run's insert transaction, read before a start.</summary>
public sealed partial class RunStore
{
    private const string IdempotencyColumns = "scope, key, fingerprint, run_id, created_at, expires_at, completed_at";

    /// <summary>Finds an unexpired key of a scope (the actor), or null.</summary>
    public async Task<IdempotencyRow?> FindIdempotencyKeyAsync(string scope, string key, long now, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<IdempotencyRow>(
            $"SELECT {IdempotencyColumns} FROM wf_idempotency WHERE scope = @scope AND key = @key AND expires_at > @now",
            new { scope, key, now });
    }

    /// <summary>Marks a key's request as answered: a repeat now gets the run instead of "in progress".</summary>
    public async Task CompleteIdempotencyKeyAsync(string scope, string key, long now, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE wf_idempotency SET completed_at = @now WHERE scope = @scope AND key = @key AND completed_at IS NULL", new { scope, key, now });
    }

    /// <summary>Deletes expired keys; returns how many.</summary>
    public async Task<int> PruneIdempotencyKeysAsync(long now, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        return await c.ExecuteAsync("DELETE FROM wf_idempotency WHERE expires_at <= @now", new { now });
    }

    /// <summary>
    /// Adds the claim of the key to the run's insert transaction, before anything else, so a concurrent twin waits here
    /// and then backs off: two statements, the second of which affects no row when another request holds the key (the
    /// caller then throws <see cref="IdempotencyKeyTakenException"/> and rolls back).
    /// </summary>
    private static void ClaimIdempotencyKey(WriteBatch batch, IdempotencyRow row)
    {
        batch.Add("DELETE FROM wf_idempotency WHERE scope = @Scope AND key = @Key AND expires_at <= @CreatedAt", row);
        batch.Add($"INSERT INTO wf_idempotency ({IdempotencyColumns}) VALUES (@Scope, @Key, @Fingerprint, @RunId, @CreatedAt, @ExpiresAt, NULL) ON CONFLICT (scope, key) DO NOTHING", row);
    }
}

/// <summary>A stored idempotency key.</summary>
public sealed class IdempotencyRow
{
    /// <summary>Gets or sets who sent it (keys of different actors never meet).</summary>
    public string Scope { get; set; } = "";

    /// <summary>Gets or sets the key as sent.</summary>
    public string Key { get; set; } = "";

    /// <summary>Gets or sets the keyed hash of the canonical request (workflow and inputs).</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Gets or sets the run the key created.</summary>
    public string RunId { get; set; } = "";

    /// <summary>Gets or sets when it was stored (Unix ms).</summary>
    public long CreatedAt { get; set; }

    /// <summary>Gets or sets when it expires (Unix ms).</summary>
    public long ExpiresAt { get; set; }

    /// <summary>Gets or sets when the request that stored it was answered (Unix ms), or null while it is in progress.</summary>
    public long? CompletedAt { get; set; }
}

/// <summary>Thrown inside the run's insert transaction when another request already holds the idempotency key.</summary>
public sealed class IdempotencyKeyTakenException() : Exception("The idempotency key is held by another request.");
