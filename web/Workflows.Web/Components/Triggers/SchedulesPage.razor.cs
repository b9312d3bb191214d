using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Triggers;

/// <summary>
/// Schedules with the cron in plain language, next fires in their own time zone, where each comes from and its inputs; operators run
/// them now, admins pause and resume them and create, edit and delete the API-defined ones (definition schedules are edited in their file).
/// </summary>
public partial class SchedulesPage
{
    private IReadOnlyList<PortalSchedule> schedules = [];
    private bool loading = true;
    private string? loadError;
    private string? message;
    private bool messageIsError;
    private bool canOperate;
    private bool isAdmin;
    private string actor = "unknown";

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private string? AdminReason => isAdmin ? null : "Only admins change schedules";

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            isAdmin = user.IsAdmin();
            actor = user.ActorName();
        }

        await LoadAsync();
    }

    private ITriggerPortal? Portal => Services.GetService(typeof(ITriggerPortal)) as ITriggerPortal;

    private async Task LoadAsync()
    {
        try
        {
            schedules = Portal is { } p ? await p.ListSchedulesAsync() : [];
            loadError = Portal is null ? "Schedules are not enabled on this server (services.AddTriggers)." : null;
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

    private async Task RunNowAsync(PortalSchedule s)
    {
        var outcome = await Portal!.RunNowAsync(s.Workflow, s.Name, actor);
        message = $"{s.Workflow}/{s.Name}: {outcome.Message}";
        messageIsError = outcome.Outcome != "started";
        await LoadAsync();
    }

    private async Task PauseAsync(PortalSchedule s, bool paused)
    {
        await Portal!.SetPausedAsync(s.Workflow, s.Name, paused, actor);
        message = $"{s.Workflow}/{s.Name} {(paused ? "paused" : "resumed")}";
        messageIsError = false;
        await LoadAsync();
    }

    private Task CreateAsync() => OpenDialogAsync(null, "created");

    private Task EditAsync(PortalSchedule s) => OpenDialogAsync(s, "saved");

    private async Task OpenDialogAsync(PortalSchedule? existing, string done)
    {
        var parameters = new DialogParameters<ScheduleDialog>
        {
            { d => d.Existing, existing },
            { d => d.Actor, actor },
        };
        var dialog = await Dialogs.ShowAsync<ScheduleDialog>(existing is null ? "New schedule" : "Edit schedule", parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: PortalScheduleEdit saved })
        {
            message = $"{saved.Workflow}/{saved.Name} {done}";
            messageIsError = false;
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(PortalSchedule s)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete schedule",
            $"Delete {s.Workflow}/{s.Name} ({(string.IsNullOrEmpty(s.Description) ? s.Cron : s.Description)})? Runs it started stay.",
            yesText: "Delete",
            cancelText: "Keep");
        if (confirmed != true)
        {
            return;
        }

        var outcome = await Portal!.DeleteScheduleAsync(s.Workflow, s.Name, actor);
        message = outcome.Message;
        messageIsError = outcome.Outcome != "deleted";
        await LoadAsync();
    }
}
