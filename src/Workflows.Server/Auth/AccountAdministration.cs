using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Accounts;

namespace Workflows.Server.Auth;

/// <summary>
/// The rules of user and token administration, shared by the API and the portal: who may do what, the password
/// policy, the last enabled admin, and a security-journal entry for every change.
/// </summary>
public sealed partial class AccountAdministration(AccountStore store, SecurityAudit audit, IOptionsMonitor<AuthOptions> options) : IAccountAdministration
{
    /// <summary>The <c>auth</c> claim of an API token caller.</summary>
    public const string TokenAuth = "token";

    private const int MaxTokenGroups = 100;

    /// <inheritdoc />
    public int MinimumPasswordLength => PasswordPolicy.MinimumLength;

    /// <inheritdoc />
    public async Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        var users = new Dictionary<string, UserSummary>(StringComparer.Ordinal);
        foreach (var u in await store.ListUsersAsync(cancellationToken))
        {
            users[u.Name] = new UserSummary(u.Name, u.Role, UserSource.Local, u.Disabled, u.MustChangePassword, DateTimeOffset.FromUnixTimeMilliseconds(u.CreatedAtMs), u.LastSignInAtMs is { } l ? DateTimeOffset.FromUnixTimeMilliseconds(l) : null);
        }

        // Configuration wins over a stored row of the same name, as it does at sign-in.
        var signIns = await audit.LatestSingleSignOnsAsync(cancellationToken);
        foreach (var u in options.CurrentValue.Users)
        {
            users[u.Name] = new UserSummary(u.Name, u.Role, UserSource.Configuration, false, false, null, null);
        }

        foreach (var e in signIns.Where(e => !users.ContainsKey(e.Actor)))
        {
            var role = SsoRole().Match(e.Detail) is { Success: true } m ? m.Groups[1].Value : Roles.Viewer;
            users[e.Actor] = new UserSummary(e.Actor, role, UserSource.SingleSignOn, false, false, null, e.At);
        }

        return users.Values.OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <inheritdoc />
    public async Task<string?> CreateUserAsync(AccountActor actor, string name, string role, string? password, CancellationToken cancellationToken = default)
    {
        RequireAdmin(actor);
        name = (name ?? "").Trim();
        if (!ValidName().IsMatch(name))
        {
            throw new AccountException(AccountErrorKind.Invalid, "name", "The user name must be 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit.");
        }

        CheckRole(role);
        var generated = string.IsNullOrEmpty(password) ? PasswordPolicy.Generate() : null;
        PasswordPolicy.Check("password", name, password ?? generated);
        if (store.Configured(name) is not null)
        {
            throw new AccountException(AccountErrorKind.Conflict, "name", $"A user '{name}' is defined in configuration (Auth:Users); choose another name.");
        }

        if (!await store.AddUserAsync(name, password ?? generated!, role, mustChangePassword: true, cancellationToken))
        {
            throw new AccountException(AccountErrorKind.Conflict, "name", $"A user '{name}' exists already.");
        }

        await audit.RecordAsync(SecurityEventKind.UserCreated, actor.Name, $"local user '{name}' as {role}; must change the password at first sign-in", actor.Address, cancellationToken);
        return generated;
    }

    /// <inheritdoc />
    public async Task SetRoleAsync(AccountActor actor, string name, string role, CancellationToken cancellationToken = default)
    {
        RequireAdmin(actor);
        CheckRole(role);
        await RequireLocalAsync(name, cancellationToken);
        if (await ChangeAsync(name, role, null, cancellationToken))
        {
            await audit.RecordAsync(SecurityEventKind.UserRoleChanged, actor.Name, $"local user '{name}' is now {role}; their sessions end", actor.Address, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task SetDisabledAsync(AccountActor actor, string name, bool disabled, CancellationToken cancellationToken = default)
    {
        RequireAdmin(actor);
        await RequireLocalAsync(name, cancellationToken);
        if (await ChangeAsync(name, null, disabled, cancellationToken))
        {
            await audit.RecordAsync(
                disabled ? SecurityEventKind.UserDisabled : SecurityEventKind.UserEnabled,
                actor.Name,
                disabled ? $"local user '{name}': sessions ended, API tokens refused" : $"local user '{name}'",
                actor.Address,
                cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<string?> ResetPasswordAsync(AccountActor actor, string name, string? password, CancellationToken cancellationToken = default)
    {
        RequireAdmin(actor);
        await RequireLocalAsync(name, cancellationToken);
        var generated = string.IsNullOrEmpty(password) ? PasswordPolicy.Generate() : null;
        PasswordPolicy.Check("password", name, password ?? generated);
        if (await store.SetPasswordAsync(name, password ?? generated!, mustChangePassword: true, cancellationToken) is null)
        {
            throw NotFound(name);
        }

        await audit.RecordAsync(SecurityEventKind.PasswordReset, actor.Name, $"local user '{name}': {(generated is null ? "set by the admin" : "one-time password generated")}; must change it at next sign-in; sessions ended", actor.Address, cancellationToken);
        return generated;
    }

    /// <inheritdoc />
    public async Task ChangeOwnPasswordAsync(AccountActor actor, string currentPassword, string newPassword, CancellationToken cancellationToken = default) =>
        await ChangeOwnPasswordReturningStampAsync(actor, currentPassword, newPassword, cancellationToken);

    /// <summary>Changes the caller's own password; returns the new security stamp for the caller's renewed cookie.</summary>
    public async Task<string> ChangeOwnPasswordReturningStampAsync(AccountActor actor, string currentPassword, string newPassword, CancellationToken cancellationToken = default)
    {
        switch (actor.Auth)
        {
            case TokenAuth:
                throw new AccountException(AccountErrorKind.Forbidden, null, "An API token has no password; sign in as the user to change theirs.");
            case OidcSignIn.AuthMethod:
                throw new AccountException(AccountErrorKind.Forbidden, null, "You signed in with single sign-on: your password lives at your identity provider; change it there.");
        }

        if (store.Configured(actor.Name) is not null)
        {
            throw new AccountException(
                AccountErrorKind.Conflict,
                null,
                $"User '{actor.Name}' is defined in the server's configuration (Auth:Users), which the server does not write. Hash the new password with 'Workflows.Server hash-password', put it in Auth:Users and restart; or remove the user there and have an admin add it as a local user.");
        }

        if (string.IsNullOrEmpty(currentPassword) || await store.CheckPasswordAsync(actor.Name, currentPassword, cancellationToken) is null)
        {
            throw new AccountException(AccountErrorKind.Invalid, "current", "The current password is wrong.");
        }

        PasswordPolicy.Check("new", actor.Name, newPassword, currentPassword);
        var stamp = await store.SetPasswordAsync(actor.Name, newPassword, mustChangePassword: false, cancellationToken) ?? throw NotFound(actor.Name);
        await audit.RecordAsync(SecurityEventKind.PasswordChanged, actor.Name, "own password; other sessions ended", actor.Address, cancellationToken);
        return stamp;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TokenInfo>> ListTokensAsync(AccountActor actor, CancellationToken cancellationToken = default) =>
        store.ListTokensAsync(actor.Role == Roles.Admin ? null : actor.Name, cancellationToken);

    /// <inheritdoc />
    public async Task<CreatedToken> CreateTokenAsync(AccountActor actor, string name, string role, int? expiresInDays, IReadOnlyList<string>? groups, CancellationToken cancellationToken = default)
    {
        if (actor.Role != Roles.Admin && actor.Auth == TokenAuth)
        {
            // A token that mints tokens would outlive its own revocation.
            throw new AccountException(AccountErrorKind.Forbidden, null, "Only an admin may create a token with an API token; sign in to the portal (or with single sign-on) to create your own.");
        }

        name = (name ?? "").Trim();
        if (name.Length is 0 or > 100)
        {
            throw new AccountException(AccountErrorKind.Invalid, "name", "The name is required (1 to 100 characters).");
        }

        CheckRole(role);
        if (expiresInDays is < 1 or > 3650)
        {
            throw new AccountException(AccountErrorKind.Invalid, "expiresInDays", "The lifetime must be between 1 and 3650 days.");
        }

        if (Roles.All.ToList().IndexOf(role) > Roles.All.ToList().IndexOf(actor.Role))
        {
            throw new AccountException(AccountErrorKind.Forbidden, "role", $"A token may have at most your own role ({actor.Role}); '{role}' is higher.");
        }

        var granted = TokenGroups(actor, groups);
        var (id, token) = await store.CreateTokenAsync(name, role, granted, actor.Name, expiresInDays is { } d ? TimeSpan.FromDays(d) : null, cancellationToken);
        var inGroups = granted.Count == 0 ? "" : $", groups {string.Join(", ", granted)}";
        await audit.RecordAsync(SecurityEventKind.TokenCreated, actor.Name, $"token '{name}' ({id}) as {role}{inGroups}{(expiresInDays is { } days ? $", expires in {days} days" : "")}", actor.Address, cancellationToken);
        return new CreatedToken(id, name, role, token, granted);
    }

    /// <inheritdoc />
    public async Task RevokeTokenAsync(AccountActor actor, string id, CancellationToken cancellationToken = default)
    {
        // Someone else's token is not found, like an unknown one: its existence is not theirs to learn.
        if (!await store.DeleteTokenAsync(id, actor.Role == Roles.Admin ? null : actor.Name, cancellationToken))
        {
            throw new AccountException(AccountErrorKind.NotFound, "id", $"No API token {Apis.Problems.Echo(id)} of yours exists.");
        }

        await audit.RecordAsync(SecurityEventKind.TokenRevoked, actor.Name, $"token {id}", actor.Address, cancellationToken);
    }

    /// <summary>
    /// The groups a new token gets: the caller's own when none are named (what single sign-on gave them at their
    /// sign-in); named ones when the caller is an admin or a member of each. A token's groups are fixed at its creation.
    /// </summary>
    private static List<string> TokenGroups(AccountActor actor, IReadOnlyList<string>? requested)
    {
        var own = actor.Groups ?? [];
        if (requested is null)
        {
            return [.. own.Distinct(StringComparer.Ordinal)];
        }

        if (requested.Count > MaxTokenGroups)
        {
            throw new AccountException(AccountErrorKind.Invalid, "groups", $"A token may have at most {MaxTokenGroups} groups; {requested.Count} were given.");
        }

        var groups = new List<string>();
        for (var i = 0; i < requested.Count; i++)
        {
            var group = requested[i]?.Trim() ?? "";
            if (group.Length is 0 or > 200 || group.Any(char.IsControl))
            {
                throw new AccountException(AccountErrorKind.Invalid, $"groups[{i}]", "A group name is 1 to 200 characters, none of them control characters.");
            }

            if (actor.Role != Roles.Admin && !own.Contains(group, StringComparer.Ordinal))
            {
                var yours = own.Count == 0 ? "you are in no group" : $"yours: {string.Join(", ", own.Select(g => $"'{g}'"))}";
                throw new AccountException(AccountErrorKind.Forbidden, $"groups[{i}]", $"A token may have only groups you are a member of; {Apis.Problems.Echo(group)} is not one of them ({yours}).");
            }

            if (!groups.Contains(group, StringComparer.Ordinal))
            {
                groups.Add(group);
            }
        }

        return groups;
    }

    private static void RequireAdmin(AccountActor actor)
    {
        if (actor.Role != Roles.Admin)
        {
            throw new AccountException(AccountErrorKind.Forbidden, null, "Only an admin manages users.");
        }
    }

    private static void CheckRole(string role)
    {
        if (!Roles.All.Contains(role))
        {
            throw new AccountException(AccountErrorKind.Invalid, "role", $"{Apis.Problems.Echo(role ?? "")} is not a role: use viewer, operator or admin.");
        }
    }

    private static AccountException NotFound(string name) =>
        new(AccountErrorKind.NotFound, "name", $"No local user {Apis.Problems.Echo(name)} exists.");

    private async Task RequireLocalAsync(string name, CancellationToken ct)
    {
        if (store.Configured(name) is not null)
        {
            throw new AccountException(AccountErrorKind.Conflict, "name", $"User '{name}' is defined in the server's configuration (Auth:Users) and is changed there, not here.");
        }

        if (await store.GetUserAsync(name, ct) is null)
        {
            var sso = (await audit.LatestSingleSignOnsAsync(ct)).Any(e => e.Actor == name);
            throw sso
                ? new AccountException(AccountErrorKind.Conflict, "name", $"User '{name}' signs in with single sign-on: their role comes from the group mapping (Auth:Oidc:RoleMappings) and their account lives at the identity provider.")
                : NotFound(name);
        }
    }

    private async Task<bool> ChangeAsync(string name, string? role, bool? disabled, CancellationToken ct) =>
        await store.ChangeUserAsync(name, role, disabled, ct) switch
        {
            UserChange.Changed => true,
            UserChange.Unchanged => false,
            UserChange.LastAdmin => throw new AccountException(AccountErrorKind.Conflict, role is null ? "disabled" : "role", $"'{name}' is the last enabled admin; make another user admin first."),
            _ => throw NotFound(name),
        };

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex ValidName();

    [GeneratedRegex(@" as (viewer|operator|admin)\b")]
    private static partial Regex SsoRole();
}
