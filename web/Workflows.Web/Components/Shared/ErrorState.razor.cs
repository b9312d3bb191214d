using Microsoft.AspNetCore.Components;

namespace Workflows.Web.Components.Shared;

/// <summary>What a view shows when loading failed.</summary>
public partial class ErrorState
{
    /// <summary>Gets or sets the headline.</summary>
    [Parameter]
    public string Title { get; set; } = "Something went wrong";

    /// <summary>Gets or sets the error's message.</summary>
    [Parameter]
    public string? Message { get; set; }
}
