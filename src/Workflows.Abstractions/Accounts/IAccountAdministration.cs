namespace Workflows.Abstractions.Accounts;

/// <summary>
/// Users and API tokens as the portal and the API manage them. Every rule (password policy, the last admin, a
/// token's role at most its creator's) lives behind this interface, and every change is written to the security
/// journal with its actor. Refusals are <see cref="AccountException"/>s naming the field.
/// </summary>
public interface IAccountAdministration
{
    /// <summary>Gets the shortest password accepted.</summary>
    int MinimumPasswordLength { get; }

    /// <summary>Lists local, configuration and single sign-on users, by name.</summary>
    Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a local user who must change the password at first sign-in; returns the generated password when none was given.</summary>
    Task<string?> CreateUserAsync(AccountActor actor, string name, string role, string? password, CancellationToken cancellationToken = default);

    /// <summary>Changes a local user's role (never the last enabled admin's); ends their sessions.</summary>
    Task SetRoleAsync(AccountActor actor, string name, string role, CancellationToken cancellationToken = default);

    /// <summary>Disables (ends sessions, refuses their tokens) or enables a local user; never the last enabled admin.</summary>
    Task SetDisabledAsync(AccountActor actor, string name, bool disabled, CancellationToken cancellationToken = default);

    /// <summary>Resets a local user's password (generated when null, then returned); they must change it at next sign-in.</summary>
    Task<string?> ResetPasswordAsync(AccountActor actor, string name, string? password, CancellationToken cancellationToken = default);

    /// <summary>Changes the caller's own password after checking the current one; clears a forced change.</summary>
    Task ChangeOwnPasswordAsync(AccountActor actor, string currentPassword, string newPassword, CancellationToken cancellationToken = default);

    /// <summary>Lists stored tokens: all for an admin (with their creator), one's own for others.</summary>
    Task<IReadOnlyList<TokenInfo>> ListTokensAsync(AccountActor actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a token with at most the caller's role and groups; the value is in the result only. Without
    /// <paramref name="groups"/> the token gets the caller's own groups (those single sign-on gave them); an admin may
    /// name any groups, anyone else only groups of their own.
    /// </summary>
    Task<CreatedToken> CreateTokenAsync(AccountActor actor, string name, string role, int? expiresInDays, IReadOnlyList<string>? groups, CancellationToken cancellationToken = default);

    /// <summary>Revokes a token (an admin any, others their own; someone else's is not found).</summary>
    Task RevokeTokenAsync(AccountActor actor, string id, CancellationToken cancellationToken = default);
}
