using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>Runs, newest first, paged on the server, filtered, with statuses updating live.</summary>
public sealed partial class RunsPage : IDisposable
{
    private PageOf<RunSummary>? result;
    private IReadOnlyList<string> workflowNames = [];
    private RunStatus? status;
    private string workflow = "";
    private TriggerKind? trigger;
    private DateRange? range;
    private int pageNumber = 1;
    private bool loading = true;
    private string? loadError;
    private DateTimeOffset now;
    private LiveUpdates? live;

    /// <summary>Gets or sets the workflow to filter by, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "workflow")]
    public string? WorkflowFilter { get; set; }

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private IRunNotifications Notifications { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private IOptions<PortalOptions> Options { get; set; } = default!;

    private int PageCount => result is null ? 0 : Math.Max(1, (result.Total + result.PageSize - 1) / result.PageSize);

    private bool HasFilters => status is not null || workflow.Length > 0 || trigger is not null || range?.Start is not null;

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        workflowNames = Catalog.List().Select(d => d.Name).ToList();
        workflow = WorkflowFilter ?? "";
        await LoadAsync();
        live = new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, null, InvokeAsync, async () =>
        {
            await LoadAsync();
            StateHasChanged();
        }, n => n.Kind == "run");
    }

    private async Task LoadAsync()
    {
        now = Clock.GetUtcNow();
        try
        {
            result = await Queries.ListAsync(BuildFilter());
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

    private RunFilter BuildFilter() => new()
    {
        Statuses = status is { } s ? [s] : null,
        Workflow = workflow.Length > 0 ? workflow : null,
        TriggerKind = trigger,
        From = range?.Start is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start.Date, DateTimeKind.Utc)) : null,
        To = range?.End is { } end ? new DateTimeOffset(DateTime.SpecifyKind(end.Date.AddDays(1), DateTimeKind.Utc)) : null,
        Page = pageNumber,
        PageSize = Options.Value.RunsPageSize,
    };

    private Task StatusChanged(RunStatus? value)
    {
        status = value;
        return FilterChangedAsync();
    }

    private Task WorkflowChanged(string? value)
    {
        workflow = value ?? "";
        return FilterChangedAsync();
    }

    private Task TriggerChanged(TriggerKind? value)
    {
        trigger = value;
        return FilterChangedAsync();
    }

    private Task RangeChanged(DateRange? value)
    {
        range = value;
        return FilterChangedAsync();
    }

    private Task FilterChangedAsync()
    {
        pageNumber = 1;
        return LoadAsync();
    }

    private Task PageChanged(int value)
    {
        pageNumber = value;
        return LoadAsync();
    }
}
