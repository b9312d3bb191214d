using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Resources;

/// <summary>The resource ledger across runs, with an orphans filter.</summary>
public partial class ResourcesPage
{
    private IReadOnlyList<ResourceEntry> resources = [];
    private bool orphansOnly;
    private bool includeDeleted;
    private string kind = "";
    private bool loading = true;
    private string? loadError;

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    /// <inheritdoc />
    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            resources = await Queries.GetResourcesAsync(new ResourceFilter
            {
                OrphansOnly = orphansOnly,
                IncludeDeleted = includeDeleted && !orphansOnly,
                Kind = kind.Length > 0 ? kind : null,
            });
            loadError = null;
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
        finally
        {
            loading = false;
        }
    }

    private Task OrphansChanged(bool value)
    {
        orphansOnly = value;
        return LoadAsync();
    }

    private Task DeletedChanged(bool value)
    {
        includeDeleted = value;
        return LoadAsync();
    }

    private Task KindChanged(string? value)
    {
        kind = value?.Trim() ?? "";
        return LoadAsync();
    }
}
