using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Triggers;

/// <summary>Schedules with their next fire times; operators run them now, admins pause and resume them.</summary>
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

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

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
}
