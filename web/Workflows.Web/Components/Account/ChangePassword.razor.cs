using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Account;

/// <summary>
/// The static change-password form; it posts to the server's <c>/account/password</c> endpoint, which renews the
/// sign-in cookie. Every page leads here while the user must change a one-time password.
/// </summary>
public partial class ChangePassword
{
    /// <summary>Gets or sets where to go afterwards.</summary>
    [SupplyParameterFromQuery(Name = "returnUrl")]
    public string? ReturnUrl { get; set; }

    /// <summary>Gets or sets the error code the server adds after a refused change.</summary>
    [SupplyParameterFromQuery(Name = "error")]
    public string? Error { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    private string UserName { get; set; } = "";

    private bool MustChange { get; set; }

    private bool IsLocalUser { get; set; } = true;

    private int MinimumLength => Services.GetService<IAccountAdministration>()?.MinimumPasswordLength ?? 12;

    // Codes, not text, in the query: a link can not make this page say what its author wants.
    private string? ErrorMessage => Error switch
    {
        null or "" => null,
        "current" => "The current password is wrong.",
        "confirm" => "The two new passwords differ.",
        "policy" => $"The new password was refused: it needs at least {MinimumLength} characters, may not be your user name and must differ from the current one.",
        "configuration" => "Your user is defined in the server's configuration (Auth:Users): an admin changes its password there ('Workflows.Server hash-password').",
        _ => "Your password can not be changed here.",
    };

    private string SafeReturnUrl =>
        ReturnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            UserName = user.ActorName();
            MustChange = user.HasClaim(AccountClaims.MustChangePassword, "true");
            IsLocalUser = user.IsLocal();
        }
    }
}
