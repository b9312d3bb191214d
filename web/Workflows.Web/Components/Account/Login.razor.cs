using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Workflows.Web.Components.Account;

/// <summary>The static sign-in form; it posts to the server's <c>/account/login</c> endpoint.</summary>
public partial class Login
{
    /// <summary>Gets or sets where to go after signing in.</summary>
    [SupplyParameterFromQuery(Name = "returnUrl")]
    public string? ReturnUrl { get; set; }

    /// <summary>Gets or sets the error flag the server adds after a failed attempt.</summary>
    [SupplyParameterFromQuery(Name = "error")]
    public string? Error { get; set; }

    /// <summary>Gets or sets the flag the server adds after signing out.</summary>
    [SupplyParameterFromQuery(Name = "signedOut")]
    public string? SignedOut { get; set; }

    [Inject]
    private IOptions<PortalOptions> Options { get; set; } = default!;

    // Codes, not text, in the query: a link can not make this page say what its author wants.
    private string? ErrorMessage => Error switch
    {
        null or "" or "0" => null,
        "sso-client" => "Single sign-on failed: the identity provider refused this server's client credentials. An admin must check Auth:Oidc:ClientId and ClientSecret.",
        "sso-token" => "Single sign-on failed: the identity provider's answer (ID token) was not valid. Nothing was signed in; an admin finds the reason in the security journal.",
        "sso-denied" => "Single sign-on was cancelled or declined at the identity provider.",
        "sso-expired" => "Single sign-on took too long or was started in another browser; please try again.",
        "sso-unavailable" => "Single sign-on is unavailable: the identity provider could not be reached. Try again later, or sign in with a local user.",
        "disabled" => "This user is disabled: an admin must enable it again before it can sign in.",
        "sso" => "Single sign-on failed; an admin finds the reason in the security journal and the server log.",
        _ => "The user name or password is wrong.",
    };

    // Only local paths: an absolute URL here would turn the form into an open redirect.
    private string SafeReturnUrl =>
        ReturnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
