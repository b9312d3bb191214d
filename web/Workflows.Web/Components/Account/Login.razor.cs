using Microsoft.AspNetCore.Components;

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

    private bool HasError => !string.IsNullOrEmpty(Error) && Error != "0";

    // Only local paths: an absolute URL here would turn the form into an open redirect.
    private string SafeReturnUrl =>
        ReturnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
