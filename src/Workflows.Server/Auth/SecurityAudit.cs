using Dapper;
using Workflows.Engine.Storage;

namespace Workflows.Server.Auth;

/// <summary>
/// The server-level security journal (table <c>wf_security_events</c>): sign-ins, refused and failed sign-ins,
/// sign-outs and API tokens created or revoked. Append-only; never holds a password, a token or a secret.
/// </summary>
public sealed class SecurityAudit(EngineDatabase database, TimeProvider clock, ILogger<SecurityAudit> logger)
{
    /// <summary>Gets the schema of the journal (component <c>security</c>).</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "security events",
            """
            CREATE TABLE wf_security_events (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL, address TEXT NULL);
            CREATE INDEX wf_security_events_at ON wf_security_events (at);
            """,
            """
            CREATE TABLE wf_security_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL, address TEXT NULL);
            CREATE INDEX wf_security_events_at ON wf_security_events (at);
            """),
    ];

    /// <summary>Appends an event; also written to the log (the journal is the record, the log a convenience).</summary>
    /// <param name="kind">What happened, e.g. <see cref="SecurityEventKind.SignIn"/>.</param>
    /// <param name="actor">Who: a user name (as typed or as the provider names it), or a token's actor name.</param>
    /// <param name="detail">Why or how, for people: never a secret.</param>
    /// <param name="address">The client's address, if known.</param>
    /// <param name="ct">Cancels the write.</param>
    public async Task RecordAsync(string kind, string actor, string detail, string? address, CancellationToken ct)
    {
        actor = Cap(actor, 200);
        detail = Cap(detail, 2000);
        logger.LogInformation("Security: {Kind} {Actor}: {Detail} (from {Address})", kind, actor, detail, address);
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_security_events (at, kind, actor, detail, address) VALUES (@at, @kind, @actor, @detail, @address)",
            new { at = clock.GetUtcNow().ToUnixTimeMilliseconds(), kind, actor, detail, address });
    }

    /// <summary>Lists events, newest first.</summary>
    /// <param name="limit">At most this many (1 to 1000).</param>
    /// <param name="before">Only events with a smaller id (for paging), or null.</param>
    /// <param name="ct">Cancels the read.</param>
    public async Task<IReadOnlyList<SecurityEvent>> ListAsync(int limit, long? before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(long Id, long At, string Kind, string Actor, string Detail, string? Address)>(
            before is null
                ? "SELECT id, at, kind, actor, detail, address FROM wf_security_events ORDER BY id DESC LIMIT @limit"
                : "SELECT id, at, kind, actor, detail, address FROM wf_security_events WHERE id < @before ORDER BY id DESC LIMIT @limit",
            new { limit = Math.Clamp(limit, 1, 1000), before });
        return rows.Select(r => new SecurityEvent(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, r.Actor, r.Detail, r.Address)).ToList();
    }

    /// <summary>Lists each single sign-on user's latest sign-in (actor id <c>oidc:NAME</c>, when, the detail with the role it was granted).</summary>
    /// <param name="ct">Cancels the read.</param>
    public async Task<IReadOnlyList<SecurityEvent>> LatestSingleSignOnsAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(long Id, long At, string Kind, string Actor, string Detail, string? Address)>(
            "SELECT id, at, kind, actor, detail, address FROM wf_security_events WHERE id IN (SELECT MAX(id) FROM wf_security_events WHERE kind = @kind AND detail LIKE 'single sign-on%' GROUP BY actor) ORDER BY actor",
            new { kind = SecurityEventKind.SignIn });

        // Sign-ins from before actor ids recorded the bare name; they are the same single sign-on user as oidc:NAME.
        return rows
            .Select(r => new SecurityEvent(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, Workflows.Abstractions.Accounts.Actors.Sso(r.Actor), r.Detail, r.Address))
            .GroupBy(e => e.Actor, StringComparer.Ordinal)
            .Select(g => g.MaxBy(e => e.Id)!)
            .OrderBy(e => e.Actor, StringComparer.Ordinal)
            .ToList();
    }

    private static string Cap(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "…");
}

/// <summary>The kinds of <see cref="SecurityEvent"/>.</summary>
public static class SecurityEventKind
{
    /// <summary>A user signed in (local password or single sign-on).</summary>
    public const string SignIn = "sign-in";

    /// <summary>A local sign-in with a wrong user name or password.</summary>
    public const string SignInFailed = "sign-in-failed";

    /// <summary>A user the provider authenticated holds no mapped group or claim, so no role here.</summary>
    public const string SignInRefused = "sign-in-refused";

    /// <summary>Single sign-on failed: the provider refused the client, the ID token was invalid, the user cancelled.</summary>
    public const string SsoFailed = "sso-failed";

    /// <summary>A user signed out.</summary>
    public const string SignOut = "sign-out";

    /// <summary>An API token was created.</summary>
    public const string TokenCreated = "token-created";

    /// <summary>An API token was revoked.</summary>
    public const string TokenRevoked = "token-revoked";

    /// <summary>An admin added a local user.</summary>
    public const string UserCreated = "user-created";

    /// <summary>An admin changed a local user's role.</summary>
    public const string UserRoleChanged = "user-role-changed";

    /// <summary>An admin disabled a local user (their sessions end, their tokens stop working).</summary>
    public const string UserDisabled = "user-disabled";

    /// <summary>An admin enabled a local user again.</summary>
    public const string UserEnabled = "user-enabled";

    /// <summary>An admin (or the command line) reset a local user's password.</summary>
    public const string PasswordReset = "password-reset";

    /// <summary>A user changed their own password.</summary>
    public const string PasswordChanged = "password-changed";
}

/// <summary>One entry of the security journal.</summary>
/// <param name="Id">Its sequence number.</param>
/// <param name="At">When.</param>
/// <param name="Kind">What happened (see <see cref="SecurityEventKind"/>).</param>
/// <param name="Actor">Who.</param>
/// <param name="Detail">Why or how.</param>
/// <param name="Address">The client's address, if known.</param>
public sealed record SecurityEvent(long Id, DateTimeOffset At, string Kind, string Actor, string Detail, string? Address);
