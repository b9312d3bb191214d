using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>One run, live: header, actions, step graph with details, log, audit and resources.</summary>
public sealed partial class RunPage : IDisposable
{
    private RunDetail? detail;
    private WorkflowDefinition? definition;
    private List<AuditEvent> audit = [];
    private IReadOnlyList<RunTry> tries = [];
    private IReadOnlyList<ResourceEntry> resources = [];
    private string? selectedStepId;
    private string? loadError;
    private string? actionError;
    private bool notFound;
    private bool canOperate;
    private string actor = "unknown";
    private Approver? approver;
    private DateTimeOffset now;
    private LiveUpdates? live;
    private Guid loadedId;

    /// <summary>Gets or sets the run's id.</summary>
    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IRunCommands Commands { get; set; } = default!;

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private IRunNotifications Notifications { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private IOptions<PortalOptions> Options { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private StepView? SelectedStep => detail?.Steps.FirstOrDefault(s => s.StepId == selectedStepId);

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            actor = user.ActorName();
            approver = Approver.From(user) with { Name = actor };
        }

        if (loadedId == Id && live is not null)
        {
            return;
        }

        live?.Dispose();
        loadedId = Id;
        detail = null;
        audit = [];
        resources = [];
        selectedStepId = null;
        notFound = false;
        await RefreshAsync();
        live = new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, Id, InvokeAsync, async () =>
        {
            await RefreshAsync();
            StateHasChanged();
        }, n => n.Kind != "log");
    }

    private async Task RefreshAsync()
    {
        now = Clock.GetUtcNow();
        try
        {
            var loaded = await Queries.GetAsync(Id);
            if (loaded is null)
            {
                notFound = true;
                return;
            }

            detail = loaded;
            definition = Catalog.Get(loaded.Run.Workflow);
            var afterId = audit.Count > 0 ? audit[^1].Id : 0;
            var more = await Queries.GetAuditAsync(Id, afterId);
            if (more.Count > 0)
            {
                audit = [.. audit, .. more];
            }

            tries = RunTries.From(loaded.Run, audit);
            resources = await Queries.GetResourcesAsync(new ResourceFilter { RunId = Id, IncludeDeleted = true });
            loadError = null;
        }
#pragma warning disable CA1031 // shown as an error state; the next change or tick tries again
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
    }

    private IReadOnlyList<AuditEvent> CallsOf(string stepId) =>
        audit.Where(e => e.Kind == "call" && e.StepId == stepId).ToList();

    private void SelectStep(StepView step) => selectedStepId = step.StepId;

    private void DrawerOpenChanged(bool open)
    {
        if (!open)
        {
            selectedStepId = null;
        }
    }

    private async Task CancelAsync()
    {
        if (!canOperate)
        {
            return;
        }

        var confirmed = await Dialogs.ShowMessageBoxAsync("Cancel run?", "Running steps are stopped and completed steps are compensated.", yesText: "Cancel run", cancelText: "Keep running");
        if (confirmed != true)
        {
            return;
        }

        await RunCommandAsync(() => Commands.CancelAsync(Id, actor));
    }

    private async Task RetryAsync()
    {
        if (!canOperate || detail is null)
        {
            return;
        }

        var parameters = new DialogParameters<RetryDialog>
        {
            { d => d.RunId, Id },
            { d => d.FailedStep, detail.Run.FailedStep },
            { d => d.Steps, detail.Steps },
            { d => d.Inputs, definition?.Inputs ?? [] },
            { d => d.RunInputs, detail.Inputs },
            { d => d.Clouds, Services.GetService<ICloudCatalog>()?.List() },
            { d => d.Actor, actor },
        };
        var dialog = await Dialogs.ShowAsync<RetryDialog>("Retry", parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            await RefreshAsync();
        }
    }

    private async Task DecideAsync(StepView step, bool approve)
    {
        if (!canOperate)
        {
            return;
        }

        var request = Services.GetService<IApprovalQueries>() is { } approvals && approver is not null ? await approvals.GetPendingAsync(Id, step.StepId, approver) : null;
        var parameters = new DialogParameters<DecisionDialog>
        {
            { d => d.RunId, Id },
            { d => d.StepId, step.StepId },
            { d => d.Approve, approve },
            { d => d.Actor, actor },
            { d => d.Approver, approver },
            { d => d.Request, request },
        };
        var dialog = await Dialogs.ShowAsync<DecisionDialog>(approve ? "Approve" : "Reject", parameters, new DialogOptions { MaxWidth = request?.PlanSummary is null ? MaxWidth.Small : MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            await RefreshAsync();
        }
    }

    private void RunAgain()
    {
        if (!canOperate || detail is null)
        {
            return;
        }

        // Never a second run from one click: the start form opens with this run's inputs (secrets left empty),
        // and the user starts it there.
        Navigation.NavigateTo($"workflows/{Uri.EscapeDataString(detail.Run.Workflow)}/run?from={Id}");
    }

    private async Task RunCommandAsync(Func<Task> command)
    {
        actionError = null;
        try
        {
            await command();
        }
        catch (Exception ex) when (ex is RunStateException or RunNotFoundException)
        {
            actionError = ex.Message;
        }

        await RefreshAsync();
    }
}
