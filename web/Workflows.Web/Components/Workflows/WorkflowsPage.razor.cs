using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Workflows;

/// <summary>Lists the workflow definitions with their last run and a Run button, and the files that failed to load.</summary>
public sealed partial class WorkflowsPage : IDisposable
{
    private IReadOnlyList<WorkflowDefinition> definitions = [];
    private IReadOnlyList<DefinitionError> errors = [];
    private Dictionary<string, RunSummary> lastRuns = [];
    private bool lastRunsLoaded;
    private bool canOperate;
    private System.Security.Claims.ClaimsPrincipal user = new();
    private string? loadError;
    private LiveUpdates? live;

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IRunNotifications Notifications { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private IOptions<PortalOptions> Options { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
        }

        await RefreshAsync();
        live = new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, null, InvokeAsync, async () =>
        {
            await RefreshAsync();
            StateHasChanged();
        }, n => n.Kind == "run");
    }

    private void OpenRunForm(WorkflowDefinition definition) => Navigation.NavigateTo($"workflows/{definition.Name}/run");

    private RunSummary? LastRun(string workflow) => lastRuns.GetValueOrDefault(workflow);

    private async Task RefreshAsync()
    {
        try
        {
            definitions = Catalog.List();
            errors = Catalog.Errors;
            var runs = new Dictionary<string, RunSummary>(StringComparer.Ordinal);
            foreach (var d in definitions)
            {
                var page = await Queries.ListAsync(new RunFilter { Workflow = d.Name, PageSize = 1 });
                if (page.Items.Count > 0)
                {
                    runs[d.Name] = page.Items[0];
                }
            }

            lastRuns = runs;
            lastRunsLoaded = true;
            loadError = null;
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
    }
}
