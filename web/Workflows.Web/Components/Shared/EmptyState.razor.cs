using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Workflows.Web.Components.Shared;

/// <summary>What a list shows when it has nothing to show.</summary>
public partial class EmptyState
{
    /// <summary>Gets or sets the headline.</summary>
    [Parameter]
    public string Title { get; set; } = "Nothing here yet";

    /// <summary>Gets or sets the icon.</summary>
    [Parameter]
    public string Icon { get; set; } = Icons.Material.Outlined.Inbox;

    /// <summary>Gets or sets an explanation or a hint.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }
}
