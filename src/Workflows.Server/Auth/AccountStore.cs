using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Workflows.Engine.Storage;

namespace Workflows.Server.Auth;

/// <summary>Users and API tokens: from configuration and from the database (tables wf_users, wf_api_tokens).</summary>
public sealed class AccountStore(EngineDatabase database, IOptionsMonitor<AuthOptions> options, TimeProvider clock)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>Gets the schema of the server's tables.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "users and API tokens",
            """
            CREATE TABLE wf_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at BIGINT NOT NULL);
            CREATE TABLE wf_api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NULL, last_used_at BIGINT NULL);
            """,
            """
            CREATE TABLE wf_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at BIGINT NOT NULL);
            CREATE TABLE wf_api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NULL, last_used_at BIGINT NULL);
            """),
    ];

    /// <summary>Hashes a password for configuration or storage.</summary>
    public static string HashPassword(string password) => Hasher.HashPassword("", password);

    /// <summary>Returns the SHA-256 (lowercase hex) of a token.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Checks a user's password; returns the role, or null.</summary>
    public async Task<string?> CheckPasswordAsync(string name, string password, CancellationToken ct)
    {
        var configured = options.CurrentValue.Users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal));
        var (hash, role) = configured is not null
            ? (configured.PasswordHash, configured.Role)
            : await QueryUserAsync(name, ct);
        if (hash is null || role is null)
        {
            // Same work as a real check, so timing does not tell which users exist.
            Hasher.VerifyHashedPassword("", HashPassword("x"), password);
            return null;
        }

        return Hasher.VerifyHashedPassword("", hash, password) == PasswordVerificationResult.Failed ? null : role;
    }

    /// <summary>Returns whether any user exists (configuration or database).</summary>
    public async Task<bool> AnyUserAsync(CancellationToken ct)
    {
        if (options.CurrentValue.Users.Count > 0)
        {
            return true;
        }

        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_users") > 0;
    }

    /// <summary>Creates or replaces a stored user.</summary>
    public async Task SetUserAsync(string name, string password, string role, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_users (name, password_hash, role, created_at) VALUES (@name, @hash, @role, @now) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
            new { name, hash = HashPassword(password), role, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    /// <summary>Finds the token's name and role, or null when unknown or expired.</summary>
    public async Task<(string Name, string Role)?> FindTokenAsync(string token, CancellationToken ct)
    {
        var hash = HashToken(token);
        var configured = options.CurrentValue.ApiTokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t.Sha256.ToLowerInvariant()), Encoding.ASCII.GetBytes(hash)));
        if (configured is not null)
        {
            return (configured.Name, configured.Role);
        }

        await using var c = await database.OpenAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var row = await c.QuerySingleOrDefaultAsync<(string Id, string Name, string Role)?>(
            "SELECT id, name, role FROM wf_api_tokens WHERE token_hash = @hash AND (expires_at IS NULL OR expires_at > @now)",
            new { hash, now });
        if (row is not { } r)
        {
            return null;
        }

        await c.ExecuteAsync("UPDATE wf_api_tokens SET last_used_at = @now WHERE id = @Id", new { now, r.Id });
        return (r.Name, r.Role);
    }

    /// <summary>Creates a token and returns it; only its hash is stored.</summary>
    public async Task<(string Id, string Token)> CreateTokenAsync(string name, string role, string createdBy, TimeSpan? lifetime, CancellationToken ct)
    {
        var token = "wft_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var id = Guid.NewGuid().ToString("N")[..12];
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_api_tokens (id, name, token_hash, role, created_by, created_at, expires_at) VALUES (@id, @name, @hash, @role, @createdBy, @now, @expires)",
            new { id, name, hash = HashToken(token), role, createdBy, now, expires = lifetime is { } l ? now + (long)l.TotalMilliseconds : (long?)null });
        return (id, token);
    }

    /// <summary>Lists stored tokens (never the token values): all, or those <paramref name="createdBy"/> created.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListTokensAsync(string? createdBy, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(string Id, string Name, string Role, string CreatedBy, long CreatedAt, long? ExpiresAt, long? LastUsedAt)>(
            createdBy is null
                ? "SELECT id, name, role, created_by, created_at, expires_at, last_used_at FROM wf_api_tokens ORDER BY created_at"
                : "SELECT id, name, role, created_by, created_at, expires_at, last_used_at FROM wf_api_tokens WHERE created_by = @createdBy ORDER BY created_at",
            new { createdBy });
        return rows.Select(r => new TokenInfo(r.Id, r.Name, r.Role, r.CreatedBy, Ms(r.CreatedAt)!.Value, Ms(r.ExpiresAt), Ms(r.LastUsedAt))).ToList();
    }

    /// <summary>Deletes a stored token (only if <paramref name="createdBy"/> created it, unless null); returns whether it existed.</summary>
    public async Task<bool> DeleteTokenAsync(string id, string? createdBy, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(
            createdBy is null ? "DELETE FROM wf_api_tokens WHERE id = @id" : "DELETE FROM wf_api_tokens WHERE id = @id AND created_by = @createdBy",
            new { id, createdBy }) > 0;
    }

    private static DateTimeOffset? Ms(long? v) => v is { } x ? DateTimeOffset.FromUnixTimeMilliseconds(x) : null;

    private async Task<(string? Hash, string? Role)> QueryUserAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<(string Hash, string Role)?>("SELECT password_hash, role FROM wf_users WHERE name = @name", new { name });
        return row is { } r ? (r.Hash, r.Role) : (null, null);
    }
}

/// <summary>A stored API token, without its value.</summary>
/// <param name="Id">The id.</param>
/// <param name="Name">The name.</param>
/// <param name="Role">The role.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="ExpiresAt">When it expires, if it does.</param>
/// <param name="LastUsedAt">When it was last used.</param>
public sealed record TokenInfo(string Id, string Name, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);
