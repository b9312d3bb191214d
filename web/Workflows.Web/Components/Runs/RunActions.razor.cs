using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>The operator buttons of a run, each enabled by the user's role and the run's state.</summary>
public partial class RunActions
{
    /// <summary>The action of approval steps.</summary>
    public const string ApprovalAction = "core.approval";

    /// <summary>Gets or sets the run.</summary>
    [Parameter, EditorRequired]
    public RunSummary Run { get; set; } = default!;

    /// <summary>Gets or sets the run's steps.</summary>
    [Parameter]
    public IReadOnlyList<StepView> Steps { get; set; } = [];

    /// <summary>Gets or sets whether the user may change runs (operator or admin).</summary>
    [Parameter]
    public bool CanOperate { get; set; }

    /// <summary>Gets or sets what happens on Cancel.</summary>
    [Parameter]
    public EventCallback CancelClicked { get; set; }

    /// <summary>Gets or sets what happens on Retry.</summary>
    [Parameter]
    public EventCallback RetryClicked { get; set; }

    /// <summary>Gets or sets what happens on Run again.</summary>
    [Parameter]
    public EventCallback RunAgainClicked { get; set; }

    /// <summary>Gets or sets what happens on Approve of a waiting approval step.</summary>
    [Parameter]
    public EventCallback<StepView> ApproveClicked { get; set; }

    /// <summary>Gets or sets what happens on Reject of a waiting approval step.</summary>
    [Parameter]
    public EventCallback<StepView> RejectClicked { get; set; }

    /// <summary>Returns the steps waiting for an approval decision.</summary>
    public static IEnumerable<StepView> WaitingApprovals(IEnumerable<StepView> steps) =>
        steps.Where(s => s.Uses == ApprovalAction && s.Status == StepStatus.Waiting && !s.IsCompensation);

    private IEnumerable<StepView> ApprovalSteps => Run.Status.IsTerminal() ? [] : WaitingApprovals(Steps);

    private bool CanCancel => CanOperate && Run.Status is RunStatus.Queued or RunStatus.Running or RunStatus.WaitingForApproval;

    private bool CanRetry => CanOperate && Run.Status is RunStatus.Failed or RunStatus.Cancelled;

    private bool CanRunAgain => CanOperate && Run.Status.IsTerminal();
}
