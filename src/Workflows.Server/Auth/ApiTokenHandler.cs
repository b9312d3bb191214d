using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Workflows.Server.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the account store.</summary>
public sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccountStore accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiToken";

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        var found = await accounts.FindTokenAsync(token, Context.RequestAborted);
        if (found is not { } f)
        {
            // Never echo the token.
            return AuthenticateResult.Fail("The API token is unknown or expired.");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, $"token:{f.Name}"), new("auth", "token") };
        claims.AddRange(Roles.Including(f.Role).Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(f.Groups.Select(g => new Claim(Workflows.Abstractions.Definitions.WorkflowPermissions.GroupClaimType, g)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
