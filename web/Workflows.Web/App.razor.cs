using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;

namespace Workflows.Web;

/// <summary>The root document of the portal.</summary>
public partial class App
{
    /// <summary>Gets or sets the request being rendered (null once interactive).</summary>
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    // Pages marked [ExcludeFromInteractiveRouting] (the sign-in form) stay static server-rendered,
    // so the browser posts them to the cookie endpoints with a real form submission.
    private IComponentRenderMode? PageRenderMode =>
        HttpContext is { } http && !http.AcceptsInteractiveRouting() ? null : RenderMode.InteractiveServer;
}
