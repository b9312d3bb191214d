using Microsoft.AspNetCore.Components;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>Approves or rejects a waiting approval step, with a comment; shows the request's message and policy, and why the user may not decide.</summary>
public partial class DecisionDialog
{
    private string? comment;
    private string? error;
    private bool busy;
    private WorkflowPlan? plan;
    private bool planMissing;

    /// <summary>Gets or sets the run.</summary>
    [Parameter]
    public Guid RunId { get; set; }

    /// <summary>Gets or sets the approval step.</summary>
    [Parameter]
    public string StepId { get; set; } = "";

    /// <summary>Gets or sets whether this approves (else rejects).</summary>
    [Parameter]
    public bool Approve { get; set; }

    /// <summary>Gets or sets who decides.</summary>
    [Parameter]
    public string Actor { get; set; } = "unknown";

    /// <summary>Gets or sets who decides, with the roles and groups the step's approval policy checks. Default is null: <see cref="Actor"/> with none.</summary>
    [Parameter]
    public Approver? Approver { get; set; }

    /// <summary>
    /// Gets or sets the pending request (its message, policy and whether the user may decide), or null when unknown.
    /// Default is null: the dialog asks only for the comment, and the engine's answer says if the policy refuses.
    /// </summary>
    [Parameter]
    public PendingApproval? Request { get; set; }

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>Gets why the user may not make this decision, from the request, or null.</summary>
    private string? WhyNot => Request switch
    {
        null => null,
        { CanApprove: false } r when Approve => r.WhyNot ?? $"Approvers are {r.Approvers}.",
        { CanReject: false } r when !Approve => r.WhyNot is { } w && !w.StartsWith("You started", StringComparison.Ordinal) && !w.StartsWith("You have already", StringComparison.Ordinal) ? w : $"Approvers are {r.Approvers}; you are none of them.",
        _ => null,
    };

    [Inject]
    private IRunCommands Commands { get; set; } = default!;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        // What is approved is what is on record: the stored plan, not a new one (a new plan is the drift check's job).
        if (Services.GetService(typeof(IRunPlans)) is IRunPlans plans)
        {
            plan = await plans.GetAsync(RunId);
        }

        planMissing = plan is null && StepId == WorkflowDefinition.PlanApprovalStepId;
    }

    private void Cancel() => Dialog.Cancel();

    private async Task DecideAsync()
    {
        busy = true;
        error = null;
        try
        {
            var who = Approver ?? Approver.Named(Actor);
            await Commands.DecideAsync(RunId, StepId, new ApprovalDecision(Approve, who.Name, string.IsNullOrWhiteSpace(comment) ? null : comment) { Roles = who.Roles, Groups = who.Groups });
            Dialog.Close(DialogResult.Ok(Approve));
        }
        catch (Exception ex) when (ex is RunStateException or RunNotFoundException or ApprovalNotAllowedException)
        {
            error = ex.Message;
        }
        finally
        {
            busy = false;
        }
    }
}
