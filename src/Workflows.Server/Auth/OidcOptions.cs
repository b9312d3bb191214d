namespace Workflows.Server.Auth;

/// <summary>
/// Single sign-on with an OpenID Connect provider (section <c>Auth:Oidc</c>): authorization-code flow with PKCE.
/// Off while <see cref="Authority"/> is empty. Local users and API tokens keep working beside it.
/// </summary>
public sealed class OidcOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Auth:Oidc";

    /// <summary>The authentication scheme name.</summary>
    public const string SchemeName = "oidc";

    /// <summary>Gets or sets the issuer URL (its <c>/.well-known/openid-configuration</c> is read). Default is none: single sign-on is off.</summary>
    public string? Authority { get; set; }

    /// <summary>Gets or sets the client id registered at the provider. Required when <see cref="Authority"/> is set.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>
    /// Gets or sets the client secret (a confidential client). Give it from the environment
    /// (<c>Auth__Oidc__ClientSecret</c>) or a secret store rather than a file. Default is none (a public client, PKCE only).
    /// </summary>
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets the name on the sign-in button ("Sign in with …"). Default is "single sign-on".</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>Gets or sets the scopes asked for. Default is <c>openid profile email</c>; add the provider's group scope (e.g. <c>groups</c>) if it has one.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Gets or sets the claim that holds the user's groups (a string or an array of strings). Default is <c>groups</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Gets or sets the claim shown as the user's name and recorded as the actor in the audit. Default is <c>preferred_username</c> (falls back to <c>email</c>, then <c>sub</c>).</summary>
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Gets or sets whether the provider's metadata must be fetched over HTTPS. Default is true; only a loopback test provider should turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Gets or sets whether to also read claims (e.g. groups) from the userinfo endpoint. Default is true.</summary>
    public bool GetClaimsFromUserInfoEndpoint { get; set; } = true;

    /// <summary>Gets or sets the callback path the provider redirects to. Default is <c>/signin-oidc</c>.</summary>
    public string CallbackPath { get; set; } = "/signin-oidc";

    /// <summary>Gets or sets where the provider returns after signing out. Default is <c>/signout-callback-oidc</c>.</summary>
    public string SignedOutCallbackPath { get; set; } = "/signout-callback-oidc";

    /// <summary>
    /// Gets or sets the role of a user by their claims: each mapping whose claim holds the value grants its role; the
    /// highest role wins. A user no mapping matches (and no <see cref="DefaultRole"/>) is refused with a "not authorized" page.
    /// Default is none.
    /// </summary>
    public List<RoleMapping> RoleMappings { get; set; } = [];

    /// <summary>Gets or sets the role of every user the provider authenticates, even with no mapped group (e.g. viewer). Default is none.</summary>
    public string? DefaultRole { get; set; }

    /// <summary>Gets whether single sign-on is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>Gets the scopes in effect.</summary>
    public IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : ["openid", "profile", "email"];

    /// <summary>Returns every problem of the configuration (empty when it is valid or off).</summary>
    public IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            yield return $"Auth:Oidc:Authority: '{Authority}' is not an absolute http(s) URL.";
        }
        else if (authority.Scheme == "http" && RequireHttpsMetadata)
        {
            yield return "Auth:Oidc:Authority: an http:// authority needs Auth:Oidc:RequireHttpsMetadata=false (only for a provider on loopback).";
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return "Auth:Oidc:ClientId: is required when Auth:Oidc:Authority is set.";
        }

        if (!EffectiveScopes.Contains("openid"))
        {
            yield return "Auth:Oidc:Scopes: must include openid.";
        }

        if (string.IsNullOrWhiteSpace(GroupsClaim))
        {
            yield return "Auth:Oidc:GroupsClaim: must not be empty.";
        }

        if (DefaultRole is { } d && !Roles.All.Contains(d))
        {
            yield return $"Auth:Oidc:DefaultRole: '{d}' is not a role: use viewer, operator or admin.";
        }

        for (var i = 0; i < RoleMappings.Count; i++)
        {
            var m = RoleMappings[i];
            if (string.IsNullOrWhiteSpace(m.Value))
            {
                yield return $"Auth:Oidc:RoleMappings:{i}:Value: is required (the group or claim value).";
            }

            if (!Roles.All.Contains(m.Role))
            {
                yield return $"Auth:Oidc:RoleMappings:{i}:Role: '{m.Role}' is not a role: use viewer, operator or admin.";
            }
        }
    }
}

/// <summary>One claim value → role rule of <see cref="OidcOptions.RoleMappings"/>.</summary>
public sealed class RoleMapping
{
    /// <summary>Gets or sets the claim to look in. Default is none: the groups claim (<see cref="OidcOptions.GroupsClaim"/>).</summary>
    public string? Claim { get; set; }

    /// <summary>Gets or sets the value the claim must hold (exact, case-sensitive), e.g. a group name.</summary>
    public string Value { get; set; } = "";

    /// <summary>Gets or sets the role it grants: viewer, operator or admin.</summary>
    public string Role { get; set; } = Roles.Viewer;
}
