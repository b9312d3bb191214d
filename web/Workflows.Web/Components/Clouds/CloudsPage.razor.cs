using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Clouds;

namespace Workflows.Web.Components.Clouds;

/// <summary>The OpenStack clouds the server knows (never their secrets).</summary>
public partial class CloudsPage
{
    private IReadOnlyList<CloudInfo> clouds = [];
    private bool hasCatalog;
    private string? loadError;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        var catalog = Services.GetService<ICloudCatalog>();
        hasCatalog = catalog is not null;
        try
        {
            clouds = catalog?.List() ?? [];
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
    }
}
