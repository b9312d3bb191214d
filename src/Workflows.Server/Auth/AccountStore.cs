using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Accounts;
using Workflows.Engine.Storage;

namespace Workflows.Server.Auth;

/// <summary>Users and API tokens: from configuration and from the database (tables wf_users, wf_api_tokens).</summary>
public sealed class AccountStore(EngineDatabase database, IOptionsMonitor<AuthOptions> options, TimeProvider clock, IMemoryCache cache)
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
        new(2, "users: disabled, forced password change, security stamp, last sign-in",
            """
            ALTER TABLE wf_users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0, ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0, ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '', ADD COLUMN last_sign_in_at BIGINT NULL;
            """,
            """
            ALTER TABLE wf_users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE wf_users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE wf_users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
            ALTER TABLE wf_users ADD COLUMN last_sign_in_at BIGINT NULL;
            """),
        new(3, "API tokens: groups",
            """
            ALTER TABLE wf_api_tokens ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';
            """,
            """
            ALTER TABLE wf_api_tokens ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';
            """),
    ];

    /// <summary>Hashes a password for configuration or storage.</summary>
    public static string HashPassword(string password) => Hasher.HashPassword("", password);

    /// <summary>Returns the SHA-256 (lowercase hex) of a token.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Checks a user's password; returns the user's sign-in state, or null when the name or password is wrong.</summary>
    public async Task<SignInCheck?> CheckPasswordAsync(string name, string password, CancellationToken ct)
    {
        var configured = Configured(name);
        var user = configured is not null ? null : await GetUserAsync(name, ct);
        var hash = configured?.PasswordHash ?? user?.PasswordHash;
        if (hash is null)
        {
            // Same work as a real check, so timing does not tell which users exist.
            Hasher.VerifyHashedPassword("", HashPassword("x"), password);
            return null;
        }

        if (Hasher.VerifyHashedPassword("", hash, password) == PasswordVerificationResult.Failed)
        {
            return null;
        }

        return configured is not null
            ? new SignInCheck(configured.Role, false, false, ConfigurationStamp(configured))
            : new SignInCheck(user!.Role, user.Disabled, user.MustChangePassword, user.SecurityStamp);
    }

    /// <summary>Returns a stored (local) user, or null.</summary>
    public async Task<StoredUser?> GetUserAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<StoredUser>(
            "SELECT name AS Name, password_hash AS PasswordHash, role AS Role, created_at AS CreatedAtMs, disabled <> 0 AS Disabled, must_change_password <> 0 AS MustChangePassword, security_stamp AS SecurityStamp, last_sign_in_at AS LastSignInAtMs FROM wf_users WHERE name = @name",
            new { name });
    }

    /// <summary>Lists stored (local) users by name.</summary>
    public async Task<IReadOnlyList<StoredUser>> ListUsersAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<StoredUser>(
            "SELECT name AS Name, password_hash AS PasswordHash, role AS Role, created_at AS CreatedAtMs, disabled <> 0 AS Disabled, must_change_password <> 0 AS MustChangePassword, security_stamp AS SecurityStamp, last_sign_in_at AS LastSignInAtMs FROM wf_users ORDER BY name")).ToList();
    }

    /// <summary>Returns the user defined in configuration under this name, or null.</summary>
    public ConfiguredUser? Configured(string name) =>
        options.CurrentValue.Users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// Returns the security stamp a signed-in user's cookie must carry, or null when the user may no longer sign in
    /// (unknown or disabled). Cached for <see cref="AuthOptions.SessionCheckInterval"/>; a change on this server
    /// forgets the cached value at once.
    /// </summary>
    public async Task<string?> GetSessionStampAsync(string name, CancellationToken ct)
    {
        if (Configured(name) is { } configured)
        {
            return ConfigurationStamp(configured);
        }

        var key = "wf-stamp:" + name;
        if (cache.TryGetValue(key, out string? stamp))
        {
            return stamp;
        }

        var user = await GetUserAsync(name, ct);
        stamp = user is null || user.Disabled ? null : user.SecurityStamp;
        cache.Set(key, stamp, options.CurrentValue.SessionCheckInterval);
        return stamp;
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

    /// <summary>Creates or replaces a stored user (enabled, with a new security stamp).</summary>
    /// <param name="name">The user name.</param>
    /// <param name="password">The password (only its hash is stored).</param>
    /// <param name="role">The role.</param>
    /// <param name="mustChangePassword">Whether the user must choose a new password at the next sign-in.</param>
    /// <param name="ct">Cancels the write.</param>
    public async Task SetUserAsync(string name, string password, string role, bool mustChangePassword, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_users (name, password_hash, role, created_at, disabled, must_change_password, security_stamp) VALUES (@name, @hash, @role, @now, 0, @must, @stamp) "
            + "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, disabled = 0, must_change_password = excluded.must_change_password, security_stamp = excluded.security_stamp",
            new { name, hash = HashPassword(password), role, now = clock.GetUtcNow().ToUnixTimeMilliseconds(), must = mustChangePassword ? 1 : 0, stamp = NewStamp() });
        Forget(name);
    }

    /// <summary>Adds a stored user; returns false when one with this name exists already.</summary>
    public async Task<bool> AddUserAsync(string name, string password, string role, bool mustChangePassword, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(
            "INSERT INTO wf_users (name, password_hash, role, created_at, disabled, must_change_password, security_stamp) VALUES (@name, @hash, @role, @now, 0, @must, @stamp) ON CONFLICT (name) DO NOTHING",
            new { name, hash = HashPassword(password), role, now = clock.GetUtcNow().ToUnixTimeMilliseconds(), must = mustChangePassword ? 1 : 0, stamp = NewStamp() }) > 0;
    }

    /// <summary>Sets a stored user's password and whether it must be changed; a new stamp ends their other sessions.</summary>
    /// <returns>The new security stamp, or null when there is no such stored user.</returns>
    public async Task<string?> SetPasswordAsync(string name, string password, bool mustChangePassword, CancellationToken ct)
    {
        var stamp = NewStamp();
        await using var c = await database.OpenAsync(ct);
        var n = await c.ExecuteAsync(
            "UPDATE wf_users SET password_hash = @hash, must_change_password = @must, security_stamp = @stamp WHERE name = @name",
            new { name, hash = HashPassword(password), must = mustChangePassword ? 1 : 0, stamp });
        Forget(name);
        return n > 0 ? stamp : null;
    }

    /// <summary>
    /// Changes a stored user's role or disabled flag with a new stamp, unless that leaves no enabled admin
    /// (counting admins from configuration). The admins are locked meanwhile, so two admins demoting each other at
    /// once cannot both succeed.
    /// </summary>
    /// <returns>The outcome.</returns>
    public async Task<UserChange> ChangeUserAsync(string name, string? role, bool? disabled, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await database.BeginAsync(c, ct);
        var admins = (await c.QueryAsync<string>($"SELECT name FROM wf_users WHERE role = 'admin' AND disabled = 0 ORDER BY name{database.ForUpdate}", transaction: tx)).ToList();
        var current = await c.QuerySingleOrDefaultAsync<(string Role, int Disabled)?>($"SELECT role, disabled FROM wf_users WHERE name = @name{database.ForUpdate}", new { name }, tx);
        if (current is not { } cur)
        {
            return UserChange.NotFound;
        }

        var newRole = role ?? cur.Role;
        var newDisabled = disabled ?? cur.Disabled != 0;
        var stillAdmin = newRole == Roles.Admin && !newDisabled;
        var otherAdmins = admins.Count(a => a != name) + options.CurrentValue.Users.Count(u => u.Role == Roles.Admin);
        if (admins.Contains(name) && !stillAdmin && otherAdmins == 0)
        {
            return UserChange.LastAdmin;
        }

        if (newRole == cur.Role && newDisabled == (cur.Disabled != 0))
        {
            return UserChange.Unchanged;
        }

        await c.ExecuteAsync(
            "UPDATE wf_users SET role = @newRole, disabled = @d, security_stamp = @stamp WHERE name = @name",
            new { name, newRole, d = newDisabled ? 1 : 0, stamp = NewStamp() },
            tx);
        await tx.CommitAsync(ct);
        Forget(name);
        return UserChange.Changed;
    }

    /// <summary>Records a stored user's sign-in time (configuration users have no row; nothing happens).</summary>
    public async Task RecordSignInAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE wf_users SET last_sign_in_at = @now WHERE name = @name", new { name, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    // A configuration user's stamp follows its definition: a new hash or role there ends the sessions.
    private static string ConfigurationStamp(ConfiguredUser u) => "cfg-" + HashToken(u.PasswordHash + "|" + u.Role)[..16];

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Raised with a user's name after their stamp or disabled flag changed on this server (disabled, reset, role or
    /// password changed): the open portal circuits of that user check their session at once rather than at their next
    /// <see cref="AuthOptions.SessionCheckInterval"/>.
    /// </summary>
    public event Action<string>? SessionsChanged;

    private void Forget(string name)
    {
        cache.Remove("wf-stamp:" + name);
        SessionsChanged?.Invoke(name);
    }

    /// <summary>Finds the token's name, role and groups, or null when unknown, expired or created by a user who is now disabled.</summary>
    public async Task<FoundToken?> FindTokenAsync(string token, CancellationToken ct)
    {
        var hash = HashToken(token);
        var configured = options.CurrentValue.ApiTokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t.Sha256.ToLowerInvariant()), Encoding.ASCII.GetBytes(hash)));
        if (configured is not null)
        {
            return new FoundToken(configured.Name, configured.Role, configured.Groups);
        }

        await using var c = await database.OpenAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var row = await c.QuerySingleOrDefaultAsync<(string Id, string Name, string Role, string Groups)?>(
            "SELECT id, name, role, groups FROM wf_api_tokens t WHERE token_hash = @hash AND (expires_at IS NULL OR expires_at > @now) AND NOT EXISTS (SELECT 1 FROM wf_users u WHERE u.name = t.created_by AND u.disabled <> 0)",
            new { hash, now });
        if (row is not { } r)
        {
            return null;
        }

        await c.ExecuteAsync("UPDATE wf_api_tokens SET last_used_at = @now WHERE id = @Id", new { now, r.Id });
        return new FoundToken(r.Name, r.Role, GroupsOf(r.Groups));
    }

    /// <summary>Creates a token with its groups and returns it; only its hash is stored.</summary>
    public async Task<(string Id, string Token)> CreateTokenAsync(string name, string role, IReadOnlyList<string> groups, string createdBy, TimeSpan? lifetime, CancellationToken ct)
    {
        var token = "wft_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var id = Guid.NewGuid().ToString("N")[..12];
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_api_tokens (id, name, token_hash, role, groups, created_by, created_at, expires_at) VALUES (@id, @name, @hash, @role, @groups, @createdBy, @now, @expires)",
            new { id, name, hash = HashToken(token), role, groups = JsonSerializer.Serialize(groups), createdBy, now, expires = lifetime is { } l ? now + (long)l.TotalMilliseconds : (long?)null });
        return (id, token);
    }

    /// <summary>Lists stored tokens (never the token values): all, or those <paramref name="createdBy"/> created.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListTokensAsync(string? createdBy, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        const string Columns = "id AS Id, name AS Name, role AS Role, created_by AS CreatedBy, created_at AS CreatedAt, expires_at AS ExpiresAt, last_used_at AS LastUsedAt, groups AS Groups";
        var rows = await c.QueryAsync<TokenRow>(
            createdBy is null
                ? $"SELECT {Columns} FROM wf_api_tokens ORDER BY created_at"
                : $"SELECT {Columns} FROM wf_api_tokens WHERE created_by = @createdBy ORDER BY created_at",
            new { createdBy });
        return rows.Select(r => new TokenInfo(r.Id, r.Name, r.Role, r.CreatedBy, Ms(r.CreatedAt)!.Value, Ms(r.ExpiresAt), Ms(r.LastUsedAt), GroupsOf(r.Groups))).ToList();
    }

    private static IReadOnlyList<string> GroupsOf(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];

    /// <summary>A row of wf_api_tokens as listed (more columns than a value tuple maps).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Dapper creates it.")]
    private sealed class TokenRow
    {
        public string Id { get; set; } = "";

        public string Name { get; set; } = "";

        public string Role { get; set; } = "";

        public string CreatedBy { get; set; } = "";

        public long CreatedAt { get; set; }

        public long? ExpiresAt { get; set; }

        public long? LastUsedAt { get; set; }

        public string Groups { get; set; } = "[]";
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

/// <summary>A token the bearer presented: what the principal is made of.</summary>
/// <param name="Name">The token's name.</param>
/// <param name="Role">Its role.</param>
/// <param name="Groups">Its groups (for workflows' <c>permissions:</c>).</param>
public sealed record FoundToken(string Name, string Role, IReadOnlyList<string> Groups);

/// <summary>What a correct password signs in to.</summary>
/// <param name="Role">The user's role.</param>
/// <param name="Disabled">Whether the user is disabled (the sign-in is refused).</param>
/// <param name="MustChangePassword">Whether the user must choose a new password first.</param>
/// <param name="SecurityStamp">The stamp the session's cookie carries.</param>
public sealed record SignInCheck(string Role, bool Disabled, bool MustChangePassword, string SecurityStamp);

/// <summary>The outcome of <see cref="AccountStore.ChangeUserAsync"/>.</summary>
public enum UserChange
{
    /// <summary>Changed; the user's sessions end.</summary>
    Changed,

    /// <summary>Already so.</summary>
    Unchanged,

    /// <summary>No such stored user.</summary>
    NotFound,

    /// <summary>Refused: it would leave no enabled admin.</summary>
    LastAdmin,
}

/// <summary>A stored (local) user row.</summary>
public sealed class StoredUser
{
    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the password hash.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Gets or sets the role.</summary>
    public string Role { get; set; } = Roles.Viewer;

    /// <summary>Gets or sets when it was created (Unix milliseconds).</summary>
    public long CreatedAtMs { get; set; }

    /// <summary>Gets or sets whether it is disabled.</summary>
    public bool Disabled { get; set; }

    /// <summary>Gets or sets whether the password must be changed.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Gets or sets the security stamp ('' for rows from before stamps existed).</summary>
    public string SecurityStamp { get; set; } = "";

    /// <summary>Gets or sets the last sign-in (Unix milliseconds), if any.</summary>
    public long? LastSignInAtMs { get; set; }
}
