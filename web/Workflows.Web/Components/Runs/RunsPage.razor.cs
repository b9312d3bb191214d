using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// Runs, newest first, paged on the server, searched and filtered, with statuses updating live. The address holds
/// every filter and the page (<c>?q=&amp;status=&amp;workflow=&amp;trigger=&amp;from=&amp;to=&amp;page=</c>), so a view can be bookmarked and shared;
/// a change of filter changes the address and the address drives the view.
/// </summary>
public sealed partial class RunsPage : IDisposable
{
    // The day as the address and the rest of the portal write it (ISO), whatever the browser's or the server's language.
    private const string DayFormat = "yyyy-MM-dd";

    private PageOf<RunSummary>? result;
    private IReadOnlyList<string> workflowNames = [];
    private string query = "";
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

    /// <summary>Gets or sets the free-text search, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "q")]
    public string? QueryFilter { get; set; }

    /// <summary>Gets or sets the status to filter by, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusFilter { get; set; }

    /// <summary>Gets or sets the trigger kind to filter by, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "trigger")]
    public string? TriggerFilter { get; set; }

    /// <summary>Gets or sets the first day (UTC, yyyy-MM-dd) of the creation range, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "from")]
    public string? FromFilter { get; set; }

    /// <summary>Gets or sets the last day (UTC, yyyy-MM-dd) of the creation range, from the query string.</summary>
    [SupplyParameterFromQuery(Name = "to")]
    public string? ToFilter { get; set; }

    /// <summary>Gets or sets the page, from the query string. Default is 1.</summary>
    [SupplyParameterFromQuery(Name = "page")]
    public int? PageFilter { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

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

    private bool HasFilters => query.Length > 0 || status is not null || workflow.Length > 0 || trigger is not null || range?.Start is not null;

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        workflowNames = Catalog.List().Select(d => d.Name).ToList();
        await ReadOperatorAsync();
        ReadAddress();
        await LoadAsync();
        live ??= new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, null, InvokeAsync, async () =>
        {
            await LoadAsync();
            StateHasChanged();
        }, n => n.Kind == "run");
    }

    /// <summary>Takes the filters and the page from the address; a value that does not parse is ignored.</summary>
    private void ReadAddress()
    {
        query = QueryFilter?.Trim() ?? "";
        workflow = WorkflowFilter ?? "";
        status = Enum.TryParse<RunStatus>(StatusFilter, true, out var st) && Enum.IsDefined(st) ? st : null;
        trigger = Enum.TryParse<TriggerKind>(TriggerFilter, true, out var tk) && Enum.IsDefined(tk) ? tk : null;
        DateTime? from = DateTime.TryParseExact(FromFilter, DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var f) ? f : null;
        DateTime? to = DateTime.TryParseExact(ToFilter, DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
        range = from is null && to is null ? null : new DateRange(from, to);
        pageNumber = PageFilter is > 0 ? PageFilter.Value : 1;
    }

    /// <summary>Puts the filters and the page in the address (replacing the history entry); the address then drives the view.</summary>
    private void WriteAddress()
    {
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["q"] = query.Length > 0 ? query : null,
            ["status"] = status?.ToString(),
            ["workflow"] = workflow.Length > 0 ? workflow : null,
            ["trigger"] = trigger?.ToString(),
            ["from"] = range?.Start?.ToString(DayFormat, CultureInfo.InvariantCulture),
            ["to"] = range?.End?.ToString(DayFormat, CultureInfo.InvariantCulture),
            ["page"] = pageNumber > 1 ? pageNumber : null,
        });
        Navigation.NavigateTo(uri, replace: true);
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
        Query = query.Length > 0 ? query : null,
        Statuses = status is { } s ? [s] : null,
        Workflow = workflow.Length > 0 ? workflow : null,
        TriggerKind = trigger,
        From = range?.Start is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start.Date, DateTimeKind.Utc)) : null,
        To = range?.End is { } end ? new DateTimeOffset(DateTime.SpecifyKind(end.Date.AddDays(1), DateTimeKind.Utc)) : null,
        Page = pageNumber,
        PageSize = Options.Value.RunsPageSize,
    };

    private Task QueryChanged(string? value)
    {
        query = value?.Trim() ?? "";
        return FilterChangedAsync();
    }

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
        WriteAddress();
        return Task.CompletedTask;
    }

    private Task PageChanged(int value)
    {
        pageNumber = value;
        WriteAddress();
        return Task.CompletedTask;
    }
}
