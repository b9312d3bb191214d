using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using Workflows.Web;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the portal (Blazor components, MudBlazor and the portal's own services).</summary>
public static class PortalServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services the portal needs. The host maps it with
    /// <c>app.MapRazorComponents&lt;Workflows.Web.App&gt;().AddInteractiveServerRenderMode()</c> and
    /// provides <c>IWorkflowCatalog</c>, <c>IRunQueries</c>, <c>IRunCommands</c>,
    /// <c>IRunNotifications</c>, optionally <c>ICloudCatalog</c>, and cookie authentication.
    /// </summary>
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddAuthorizationCore();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PortalOptions>().BindConfiguration("Portal");
        return services;
    }
}
