using Microsoft.AspNetCore.Components;

namespace Workflows.Web.Components.Account;

/// <summary>Sends a visitor who is not signed in to the sign-in page, remembering where they were going.</summary>
public partial class RedirectToLogin
{
    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        var returnUrl = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
        // forceLoad: the sign-in page is static server-rendered, outside the interactive router.
        Navigation.NavigateTo($"login?returnUrl={Uri.EscapeDataString(returnUrl)}", forceLoad: true);
    }
}
