using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Shared;

/// <summary>A step's status as a coloured chip.</summary>
public partial class StepStatusChip
{
    /// <summary>Gets or sets the status.</summary>
    [Parameter]
    public StepStatus Status { get; set; }
}
