using System.Security.Claims;

namespace Workflows.Abstractions.Accounts;

/// <summary>
/// Actor ids: who did something, as the audit, runs ("started by"), approvals and API tokens record it. One rule for the
/// server, the engine's approval policy and the portal.
/// </summary>
/// <remarks>
/// <para>
/// A local user (stored or from <c>Auth:Users</c>) is recorded by their bare name (<c>alice</c>), as before actor ids
/// existed, so every stored row keeps its meaning. A single sign-on user is recorded as <c>oidc:</c> + the name the
/// provider gave (<c>oidc:alice</c>) and shown as <c>alice (SSO)</c>; an API token as <c>token:</c> + its name. Local user
/// names cannot contain <c>:</c> (a configured one that does is recorded as <c>local:</c> + its name), so a local user
/// can never be taken for a single sign-on user or a token, nor the other way round.
/// </para>
/// <para>
/// Why the name and not the issuer's subject: approval policies, per-workflow permissions and people name users by the
/// name they sign in with, and a run's audit must read without a lookup table. The name comes from
/// <c>Auth:Oidc:NameClaim</c>; a provider whose names can be reused may set it to <c>sub</c> to record subjects instead.
/// </para>
/// </remarks>
public static class Actors
{
    /// <summary>The prefix of a single sign-on user's actor id.</summary>
    public const string SsoPrefix = "oidc:";

    /// <summary>The prefix of an API token's actor id.</summary>
    public const string TokenPrefix = "token:";

    /// <summary>The qualifier that names only a local user in an approval policy (<c>users: [local:alice]</c>).</summary>
    public const string LocalQualifier = "local:";

    /// <summary>The <c>auth</c> claim of a single sign-on session.</summary>
    public const string SsoAuth = "oidc";

    /// <summary>The <c>auth</c> claim of an API token.</summary>
    public const string TokenAuth = "token";

    /// <summary>Gets the actor id of a single sign-on user named <paramref name="name"/> by the provider.</summary>
    public static string Sso(string name) => name.StartsWith(SsoPrefix, StringComparison.Ordinal) ? name : SsoPrefix + name;

    /// <summary>
    /// Gets the actor id of a signed-in user from their name and <c>auth</c> claims. A single sign-on session from before
    /// actor ids (its name has no prefix) gets one here, so it never acts as the local user of the same name.
    /// </summary>
    public static string Of(ClaimsPrincipal? user)
    {
        if (user?.Identity?.Name is not { Length: > 0 } name)
        {
            return "anonymous";
        }

        return user.FindFirst("auth")?.Value switch
        {
            SsoAuth => Sso(name),
            TokenAuth => name.StartsWith(TokenPrefix, StringComparison.Ordinal) ? name : TokenPrefix + name,
            _ => name.Contains(':', StringComparison.Ordinal) ? LocalQualifier + name : name,
        };
    }

    /// <summary>Returns whether <paramref name="actor"/> is a single sign-on user's id.</summary>
    public static bool IsSso(string? actor) => actor is not null && actor.StartsWith(SsoPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Describes an actor id for people: <c>oidc:alice</c> is <c>alice (SSO)</c>; everything else (local users, tokens,
    /// schedules, webhooks, rows from before actor ids) shows as it was recorded.
    /// </summary>
    public static string Display(string? actor) =>
        actor is null ? "" : IsSso(actor) ? actor[SsoPrefix.Length..] + " (SSO)" : actor;

    /// <summary>
    /// Returns whether a user named in an approval policy (<c>approvers.users</c>) is <paramref name="actor"/>: a bare name
    /// (<c>alice</c>) is the local user and the single sign-on user of that name; <c>local:alice</c> only the local user;
    /// <c>oidc:alice</c> only the single sign-on user; <c>token:ci</c> only that token.
    /// </summary>
    public static bool Matches(string named, string actor)
    {
        if (named.StartsWith(LocalQualifier, StringComparison.Ordinal))
        {
            return !IsSso(actor) && !actor.StartsWith(TokenPrefix, StringComparison.Ordinal) && string.Equals(named[LocalQualifier.Length..], actor, StringComparison.Ordinal);
        }

        if (named.Contains(':', StringComparison.Ordinal))
        {
            return string.Equals(named, actor, StringComparison.Ordinal);
        }

        return string.Equals(named, actor, StringComparison.Ordinal) || string.Equals(SsoPrefix + named, actor, StringComparison.Ordinal);
    }

    /// <summary>
    /// Returns why <paramref name="named"/> cannot name a user in an approval policy, or null when it can: a qualifier
    /// must be <c>local:</c>, <c>oidc:</c> or <c>token:</c> followed by a name.
    /// </summary>
    public static string? Problem(string named)
    {
        var colon = named.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var qualifier = named[..(colon + 1)];
        if (qualifier is not (LocalQualifier or SsoPrefix or TokenPrefix))
        {
            return $"'{named}' has an unknown qualifier '{qualifier}'; write local:NAME (a local user), oidc:NAME (a single sign-on user), token:NAME (an API token) or the bare name (a local or single sign-on user)";
        }

        var rest = named[(colon + 1)..];
        if (rest.Length == 0)
        {
            return $"'{named}' names nobody after '{qualifier}'";
        }

        return qualifier == LocalQualifier && rest.Contains(':', StringComparison.Ordinal)
            ? $"'{named}': a local user's name has no ':'"
            : null;
    }
}
