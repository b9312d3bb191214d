using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Workflows.Server.Auth;

/// <summary>
/// Ends an open portal circuit (which makes no HTTP requests the cookie check could see) when its local user is
/// disabled, reset or has their role changed: the stamp is read again every <see cref="AuthOptions.SessionCheckInterval"/>.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory loggers, AccountStore accounts, IOptionsMonitor<AuthOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    /// <inheritdoc />
    protected override TimeSpan RevalidationInterval => options.CurrentValue.SessionCheckInterval;

    /// <inheritdoc />
    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        authenticationState.User is ClaimsPrincipal { Identity.IsAuthenticated: true } user
            ? AuthServiceCollectionExtensions.IsSessionCurrentAsync(user, accounts, cancellationToken)
            : Task.FromResult(true);
}
