using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Shared;

/// <summary>A run's status as a coloured chip.</summary>
public partial class RunStatusChip
{
    /// <summary>Gets or sets the status.</summary>
    [Parameter]
    public RunStatus Status { get; set; }

    /// <summary>Gets or sets the test id. Default is <c>run-status</c>.</summary>
    [Parameter]
    public string TestId { get; set; } = "run-status";

    /// <summary>Gets the status in words (WaitingForApproval reads "Waiting for approval").</summary>
    private string Label => Status == RunStatus.WaitingForApproval ? "Waiting for approval" : Status.ToString();
}
