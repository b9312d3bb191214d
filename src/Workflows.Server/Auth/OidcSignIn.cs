using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Workflows.Abstractions.Definitions;

namespace Workflows.Server.Auth;

/// <summary>
/// Single sign-on: the OpenID Connect handler (code flow + PKCE) and what happens around it: the user's role from
/// <see cref="OidcOptions.RoleMappings"/>, a "not authorized" page for a user with none, failures back on the
/// sign-in page with a clear reason, every attempt in the <see cref="SecurityAudit"/>.
/// </summary>
public static class OidcSignIn
{
    /// <summary>The claim <c>auth</c> of a user signed in through single sign-on.</summary>
    public const string AuthMethod = Workflows.Abstractions.Accounts.Actors.SsoAuth;

    /// <summary>The page a user with no mapped role lands on.</summary>
    public const string DeniedPath = "/account/denied";

    /// <summary>The outcome of mapping a provider's user onto this server.</summary>
    /// <param name="Name">The name the provider gave (shown as <c>NAME (SSO)</c>); the actor id is <c>oidc:NAME</c> (<see cref="Workflows.Abstractions.Accounts.Actors"/>).</param>
    /// <param name="Role">The highest role granted, or null when none.</param>
    /// <param name="Groups">The user's groups (from <see cref="OidcOptions.GroupsClaim"/>).</param>
    public sealed record Mapping(string Name, string? Role, IReadOnlyList<string> Groups);

    /// <summary>Maps the claims the provider gave onto a name, a role (highest mapping wins) and groups.</summary>
    public static Mapping Map(ClaimsPrincipal external, OidcOptions options)
    {
        string? First(string type) => external.FindFirst(type)?.Value is { Length: > 0 } v ? v : null;
        var name = First(options.NameClaim) ?? First("email") ?? First("sub") ?? "unknown";
        var groups = external.FindAll(options.GroupsClaim).Select(c => c.Value).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var granted = options.RoleMappings
            .Where(m => external.FindAll(m.Claim is { Length: > 0 } c ? c : options.GroupsClaim).Any(c => string.Equals(c.Value, m.Value, StringComparison.Ordinal)))
            .Select(m => m.Role)
            .Append(options.DefaultRole)
            .OfType<string>()
            .Where(Roles.All.Contains)
            .OrderByDescending(r => Roles.All.ToList().IndexOf(r))
            .FirstOrDefault();
        return new Mapping(name, granted, groups);
    }

    /// <summary>Builds the portal principal of a single sign-on user.</summary>
    public static ClaimsPrincipal Principal(Mapping mapping, ClaimsPrincipal external)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, mapping.Name), new("auth", AuthMethod) };
        claims.AddRange(Roles.Including(mapping.Role!).Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(mapping.Groups.Select(g => new Claim(WorkflowPermissions.GroupClaimType, g)));
        if (external.FindFirst("sub") is { } sub)
        {
            claims.Add(new Claim("sub", sub.Value));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>Adds the OpenID Connect handler when <c>Auth:Oidc:Authority</c> is set.</summary>
    public static AuthenticationBuilder AddWorkflowOidc(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        builder.Services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section));
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            // Fail the start with every problem named, rather than a generic options error.
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        if (!options.Enabled)
        {
            return builder;
        }

        builder.Services.PostConfigure<Workflows.Web.PortalOptions>(p => p.SingleSignOnName = options.DisplayName);
        return builder.AddOpenIdConnect(OidcOptions.SchemeName, options.DisplayName, o =>
        {
            o.Authority = options.Authority;
            o.ClientId = options.ClientId;
            o.ClientSecret = string.IsNullOrEmpty(options.ClientSecret) ? null : options.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;

            // A top-level GET back from the provider: the correlation and nonce cookies (SameSite=Lax) come with it,
            // where a cross-site form post would lose them.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.CallbackPath = options.CallbackPath;
            o.SignedOutCallbackPath = options.SignedOutCallbackPath;
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.SignOutScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.Scope.Clear();
            foreach (var scope in options.EffectiveScopes)
            {
                o.Scope.Add(scope);
            }

            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = options.GetClaimsFromUserInfoEndpoint;
            o.ClaimActions.MapJsonKey(options.GroupsClaim, options.GroupsClaim);
            foreach (var claim in options.RoleMappings.Select(m => m.Claim).OfType<string>().Where(c => c.Length > 0).Distinct())
            {
                o.ClaimActions.MapJsonKey(claim, claim);
            }

            o.TokenValidationParameters.NameClaimType = options.NameClaim;
            o.SaveTokens = true; // only the ID token is kept (below), as the hint for signing out at the provider
            o.Events.OnTicketReceived = TicketReceivedAsync;
            o.Events.OnRemoteFailure = RemoteFailureAsync;
        });
    }

    private static async Task TicketReceivedAsync(TicketReceivedContext ctx)
    {
        var options = ctx.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<OidcOptions>>().Value;
        var audit = ctx.HttpContext.RequestServices.GetRequiredService<SecurityAudit>();
        var address = ctx.HttpContext.Connection.RemoteIpAddress?.ToString();
        var mapping = Map(ctx.Principal!, options);
        var groups = mapping.Groups.Count == 0 ? "none" : string.Join(", ", mapping.Groups);
        if (mapping.Role is null)
        {
            await audit.RecordAsync(SecurityEventKind.SignInRefused, Workflows.Abstractions.Accounts.Actors.Sso(mapping.Name), $"single sign-on ({options.DisplayName}): no role for groups {groups}; map one in Auth:Oidc:RoleMappings", address, ctx.HttpContext.RequestAborted);
            ctx.Response.Redirect(DeniedPath);
            ctx.HandleResponse();
            return;
        }

        var properties = ctx.Properties!;
        var idToken = properties.GetTokenValue("id_token");
        properties.StoreTokens(idToken is null ? [] : [new AuthenticationToken { Name = "id_token", Value = idToken }]);
        ctx.Principal = Principal(mapping, ctx.Principal!);

        // The portal's cookie is SameSite=Strict, so a browser would not send it on the redirects of this
        // cross-site chain: one same-site hop, started by the portal's own page, lets the first page see it.
        ctx.ReturnUri = "/account/sso/complete?returnUrl=" + Uri.EscapeDataString(LocalUrl(ctx.ReturnUri));
        await audit.RecordAsync(SecurityEventKind.SignIn, Workflows.Abstractions.Accounts.Actors.Sso(mapping.Name), $"single sign-on ({options.DisplayName}) as {mapping.Role}; groups {groups}", address, ctx.HttpContext.RequestAborted);
    }

    private static async Task RemoteFailureAsync(RemoteFailureContext ctx)
    {
        var code = await RecordFailureAsync(ctx.HttpContext, ctx.Failure);
        ctx.Response.Redirect($"/login?error={code}");
        ctx.HandleResponse();
    }

    /// <summary>Logs and audits a failed single sign-on; returns the code the sign-in page explains.</summary>
    public static async Task<string> RecordFailureAsync(HttpContext http, Exception? failure)
    {
        var (code, reason) = Classify(failure);
        var audit = http.RequestServices.GetRequiredService<SecurityAudit>();
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Workflows.Server.Account");
        logger.LogWarning(failure, "Single sign-on failed: {Reason}", reason);
        await audit.RecordAsync(SecurityEventKind.SsoFailed, "unknown", reason, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return code;
    }

    /// <summary>Names a failure of the sign-in round trip for the page (a code) and the audit (a sentence, never a secret).</summary>
    internal static (string Code, string Reason) Classify(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            var message = e.Message;
            if (message.Contains("invalid_client", StringComparison.Ordinal) || message.Contains("unauthorized_client", StringComparison.Ordinal))
            {
                return ("sso-client", "the identity provider refused this server's client id or secret (invalid_client)");
            }

            if (message.Contains("access_denied", StringComparison.Ordinal))
            {
                return ("sso-denied", "the user or the identity provider declined the sign-in (access_denied)");
            }

            switch (e)
            {
                case SecurityTokenExpiredException:
                    return ("sso-token", "the ID token had expired");
                case SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException:
                    return ("sso-token", "the ID token's signature is not valid for the provider's keys");
                case SecurityTokenException:
                    return ("sso-token", $"the ID token was refused ({e.GetType().Name})");
            }

            if (e is HttpRequestException || message.Contains("IDX20803", StringComparison.Ordinal))
            {
                return ("sso-unavailable", "the identity provider could not be reached or its metadata could not be read");
            }

            if (message.Contains("Correlation failed", StringComparison.Ordinal) || message.Contains("Unable to unprotect the message.State", StringComparison.Ordinal))
            {
                return ("sso-expired", "the sign-in round trip expired or was started in another browser");
            }
        }

        return ("sso", $"the sign-in round trip failed ({failure?.GetType().Name ?? "unknown"})");
    }

    /// <summary>Returns <paramref name="url"/> when it is a local path, else <c>/</c> (never an open redirect).</summary>
    public static string LocalUrl(string? url) =>
        url is { Length: > 0 } u && u.StartsWith('/') && !u.StartsWith("//", StringComparison.Ordinal) && !u.StartsWith("/\\", StringComparison.Ordinal) ? u : "/";
}
