using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Approvals;

/// <summary>The approvals inbox: every pending approval, with Approve and Reject where the policy lets the user decide, and why not where it does not.</summary>
public partial class ApprovalsPage
{
    private IReadOnlyList<PendingApproval> pending = [];
    private Approver approver = Approver.Named("unknown");
    private bool canOperate;
    private bool loading = true;
    private string? loadError;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private IApprovalQueries Approvals { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            approver = Approver.From(user) with { Name = user.ActorName() };
        }

        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            var list = await Approvals.ListPendingAsync(approver);

            // Deciding needs the operator role on top of the policy (the API answers 403 otherwise).
            pending = canOperate ? list : list.Select(p => p with { CanApprove = false, CanReject = false, WhyNot = "Deciding needs the operator role; you are a viewer." }).ToList();
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

    private async Task DecideAsync(PendingApproval request, bool approve)
    {
        var parameters = new DialogParameters<DecisionDialog>
        {
            { d => d.RunId, request.RunId },
            { d => d.StepId, request.StepId },
            { d => d.Approve, approve },
            { d => d.Actor, approver.Name },
            { d => d.Approver, approver },
            { d => d.Request, request },
        };
        var dialog = await Dialogs.ShowAsync<DecisionDialog>(approve ? "Approve" : "Reject", parameters, new DialogOptions { MaxWidth = request.PlanSummary is null ? MaxWidth.Small : MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            await LoadAsync();
        }
    }
}
