using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Actions;

namespace Workflows.Web.Components.Resources;

/// <summary>Entries of the resource ledger.</summary>
public partial class ResourceTable
{
    /// <summary>Gets or sets the entries.</summary>
    [Parameter]
    public IReadOnlyList<ResourceEntry> Resources { get; set; } = [];

    /// <summary>Gets or sets whether to show the owning run (off on a run's own page).</summary>
    [Parameter]
    public bool ShowRun { get; set; } = true;

    /// <summary>Gets or sets the headline when there are no entries.</summary>
    [Parameter]
    public string EmptyTitle { get; set; } = "No resources recorded";
}
