using MudBlazor;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Shared;

/// <summary>The colours and icons of run and step states, shared by every view so a state always looks the same.</summary>
public static class StatusColors
{
    /// <summary>Returns the colour of a run status.</summary>
    public static Color For(RunStatus status) => status switch
    {
        RunStatus.Queued => Color.Default,
        RunStatus.Running => Color.Info,
        RunStatus.WaitingForApproval => Color.Secondary,
        RunStatus.Cancelling or RunStatus.Compensating => Color.Warning,
        RunStatus.Succeeded => Color.Success,
        RunStatus.Failed => Color.Error,
        RunStatus.Cancelled => Color.Dark,
        _ => Color.Default,
    };

    /// <summary>Returns the colour of a step status.</summary>
    public static Color For(StepStatus status) => status switch
    {
        StepStatus.Pending => Color.Default,
        StepStatus.Scheduled => Color.Secondary,
        StepStatus.Running => Color.Info,
        StepStatus.Waiting => Color.Warning,
        StepStatus.Succeeded => Color.Success,
        StepStatus.Failed => Color.Error,
        StepStatus.Skipped => Color.Default,
        StepStatus.Cancelled => Color.Dark,
        StepStatus.Compensated => Color.Tertiary,
        _ => Color.Default,
    };

    /// <summary>Returns the colour of an attempt status.</summary>
    public static Color For(AttemptStatus status) => status switch
    {
        AttemptStatus.Running => Color.Info,
        AttemptStatus.Succeeded => Color.Success,
        AttemptStatus.Failed => Color.Error,
        _ => Color.Dark,
    };

    /// <summary>Returns the CSS variable of a colour, for borders drawn outside MudBlazor components.</summary>
    public static string CssVariable(Color color) => color switch
    {
        Color.Default => "var(--mud-palette-text-disabled)",
        _ => $"var(--mud-palette-{color.ToString().ToLowerInvariant()})",
    };

    /// <summary>Returns the icon of a step status.</summary>
    public static string Icon(StepStatus status) => status switch
    {
        StepStatus.Pending => Icons.Material.Outlined.HourglassEmpty,
        StepStatus.Scheduled => Icons.Material.Outlined.Schedule,
        StepStatus.Running => Icons.Material.Filled.PlayCircle,
        StepStatus.Waiting => Icons.Material.Filled.PauseCircle,
        StepStatus.Succeeded => Icons.Material.Filled.CheckCircle,
        StepStatus.Failed => Icons.Material.Filled.Error,
        StepStatus.Skipped => Icons.Material.Outlined.NotInterested,
        StepStatus.Cancelled => Icons.Material.Filled.Cancel,
        StepStatus.Compensated => Icons.Material.Filled.Undo,
        _ => Icons.Material.Outlined.Circle,
    };
}
