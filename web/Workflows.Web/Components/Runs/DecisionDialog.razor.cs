using Microsoft.AspNetCore.Components;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>Approves or rejects a waiting approval step, with a comment.</summary>
public partial class DecisionDialog
{
    private string? comment;
    private string? error;
    private bool busy;

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

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private IRunCommands Commands { get; set; } = default!;

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
