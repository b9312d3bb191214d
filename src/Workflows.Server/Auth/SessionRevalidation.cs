using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Workflows.Server.Auth;

/// <summary>
/// Ends an open portal circuit (which makes no HTTP requests the cookie check could see) when its local user is
/// disabled, reset or has their role changed: at once when the change is made on this server
/// (<see cref="AccountStore.SessionsChanged"/>), and otherwise when the stamp is read again every
/// <see cref="AuthOptions.SessionCheckInterval"/>. The portal's router then sends the signed-out circuit to the sign-in page.
/// </summary>
public sealed class SessionRevalidation : RevalidatingServerAuthenticationStateProvider
{
    private readonly AccountStore accounts;
    private readonly IOptionsMonitor<AuthOptions> options;
    private readonly ILogger log;

    /// <summary>Initializes a new instance of the <see cref="SessionRevalidation"/> class for one circuit.</summary>
    public SessionRevalidation(ILoggerFactory loggers, AccountStore accounts, IOptionsMonitor<AuthOptions> options)
        : base(loggers)
    {
        this.accounts = accounts;
        this.options = options;
        log = loggers.CreateLogger<SessionRevalidation>();
        accounts.SessionsChanged += OnSessionsChanged;
    }

    /// <inheritdoc />
    protected override TimeSpan RevalidationInterval => options.CurrentValue.SessionCheckInterval;

    /// <inheritdoc />
    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        authenticationState.User is ClaimsPrincipal { Identity.IsAuthenticated: true } user
            ? AuthServiceCollectionExtensions.IsSessionCurrentAsync(user, accounts, cancellationToken)
            : Task.FromResult(true);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            accounts.SessionsChanged -= OnSessionsChanged;
        }

        base.Dispose(disposing);
    }

    // Raised on the thread of whoever made the change (another circuit or an API request): the check runs on its own,
    // and the state change reaches this circuit's components through their dispatcher.
    private void OnSessionsChanged(string name) => _ = RevalidateNowAsync(name);

    private async Task RevalidateNowAsync(string name)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.Identity is not { IsAuthenticated: true, Name: { } signedIn } || !string.Equals(signedIn, name, StringComparison.Ordinal))
            {
                return;
            }

            if (!await ValidateAuthenticationStateAsync(state, CancellationToken.None))
            {
                log.LogInformation("Ending the portal session of {User}: the user was disabled, reset or changed", name);
                SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
            }
        }
#pragma warning disable CA1031 // a failed early check leaves the periodic one to end the session
        catch (Exception ex)
#pragma warning restore CA1031
        {
            log.LogWarning(ex, "Could not check the portal session of {User} at once; the periodic check will", name);
        }
    }
}
