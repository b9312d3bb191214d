using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Workflows.Web.Components.Account;

/// <summary>
/// Where single sign-on sends a user the provider knows but who holds no mapped group: a page of its own (answering
/// 403), not the sign-in page, so the browser does not loop back to the provider.
/// </summary>
public partial class AccessDenied
{
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }
}
