namespace Workflows.Abstractions.Accounts;

/// <summary>Where a user is defined.</summary>
public enum UserSource
{
    /// <summary>Stored in the server's database: managed in the portal and the API.</summary>
    Local,

    /// <summary>Defined in configuration (<c>Auth:Users</c>): read-only here, changed where the configuration lives.</summary>
    Configuration,

    /// <summary>Signed in through single sign-on: read-only here; the role comes from the group mapping.</summary>
    SingleSignOn,
}

/// <summary>One user as the administration lists it (never a password or a hash).</summary>
/// <param name="Name">The user name.</param>
/// <param name="Role">viewer, operator or admin (for single sign-on users: the role of their last sign-in).</param>
/// <param name="Source">Where the user is defined.</param>
/// <param name="Disabled">Whether sign-in and the user's API tokens are refused.</param>
/// <param name="MustChangePassword">Whether the user must choose a new password before anything else.</param>
/// <param name="CreatedAt">When the user was stored, if known.</param>
/// <param name="LastSignInAt">When the user last signed in, if known.</param>
public sealed record UserSummary(string Name, string Role, UserSource Source, bool Disabled, bool MustChangePassword, DateTimeOffset? CreatedAt, DateTimeOffset? LastSignInAt);

/// <summary>Who asks for an account change, as the security journal records it.</summary>
/// <param name="Name">The actor name.</param>
/// <param name="Role">Their highest role.</param>
/// <param name="Auth">How they signed in: cookie (local user), oidc (single sign-on) or token.</param>
/// <param name="Address">The client's address, if known.</param>
/// <param name="Groups">Their groups from single sign-on (or their token's); null or empty for none.</param>
public sealed record AccountActor(string Name, string Role, string Auth, string? Address, IReadOnlyList<string>? Groups = null);

/// <summary>A stored API token, without its value.</summary>
/// <param name="Id">The id.</param>
/// <param name="Name">The name.</param>
/// <param name="Role">The role.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="ExpiresAt">When it expires, if it does.</param>
/// <param name="LastUsedAt">When it was last used.</param>
/// <param name="Groups">The groups it counts as a member of for workflows' <c>permissions:</c> (fixed at its creation).</param>
public sealed record TokenInfo(string Id, string Name, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, IReadOnlyList<string> Groups);

/// <summary>A new token; <paramref name="Token"/> is shown only once.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role.</param>
/// <param name="Token">The bearer token.</param>
/// <param name="Groups">Its groups.</param>
public sealed record CreatedToken(string Id, string Name, string Role, string Token, IReadOnlyList<string> Groups);

/// <summary>What went wrong with an account change.</summary>
public enum AccountErrorKind
{
    /// <summary>A field is invalid (400).</summary>
    Invalid,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,

    /// <summary>No such user or token (404).</summary>
    NotFound,

    /// <summary>The change would break a rule of the current state, e.g. remove the last admin (409).</summary>
    Conflict,
}

/// <summary>An account change refused, with the field it concerns and a message for people (never a secret).</summary>
public sealed class AccountException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="AccountException"/> class.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="field">The request field concerned, or null.</param>
    /// <param name="message">What went wrong and what to do.</param>
    public AccountException(AccountErrorKind kind, string? field, string message)
        : base(message)
    {
        Kind = kind;
        Field = field;
    }

    /// <summary>Initializes a new instance of the <see cref="AccountException"/> class.</summary>
    public AccountException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AccountException"/> class.</summary>
    /// <param name="message">The message.</param>
    public AccountException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AccountException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="inner">The cause.</param>
    public AccountException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Gets what went wrong.</summary>
    public AccountErrorKind Kind { get; } = AccountErrorKind.Invalid;

    /// <summary>Gets the request field concerned, or null.</summary>
    public string? Field { get; }
}

/// <summary>Claims of a local user's portal session that the portal reads too.</summary>
public static class AccountClaims
{
    /// <summary>Present ("true") while the user must choose a new password before doing anything else.</summary>
    public const string MustChangePassword = "wf_must_change_password";
}
