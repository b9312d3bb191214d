using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// A run's log that follows new chunks as they arrive (asking only for chunks after the last one): every line with
/// its time (the browser's local time; UTC on hover) and its step, a filter by step (or one step only, in the step
/// drawer), separators where a try or the compensation begins, search with highlighted matches, and a download in
/// the same form as <c>logs.txt</c>. Long logs are virtualized, so following 50,000 lines stays smooth.
/// </summary>
public sealed partial class LogView : IDisposable
{
    /// <summary>Logs longer than this are virtualized (only the rows in view are rendered).</summary>
    public const int VirtualizeAbove = 500;

    private const int SliceSize = 500;
    private readonly LogLines log = new();
    private List<LogRow> visible = [];
    private long next;
    private bool loaded;
    private int dropped;
    private string search = "";
    private string stepFilter = "";
    private int matchCount;
    private string? loadError;
    private LiveUpdates? live;
    private Guid watching;
    private string? watchingStep;
    private bool follow = true;
    private bool scrollPending;
    private TimeZoneInfo timeZone = TimeZoneInfo.Utc;
    private ElementReference scroller;

    /// <summary>Gets or sets the run.</summary>
    [Parameter, EditorRequired]
    public Guid RunId { get; set; }

    /// <summary>Gets or sets the run's workflow, which names the downloaded file. Default is <c>run</c>.</summary>
    [Parameter]
    public string Workflow { get; set; } = "run";

    /// <summary>Gets or sets the one step whose lines to show (the step drawer), or null for every step. Default is null.</summary>
    [Parameter]
    public string? StepId { get; set; }

    /// <summary>Gets or sets the run's tries; a separator marks where each retry begins. Default is none.</summary>
    [Parameter]
    public IReadOnlyList<RunTry> Tries { get; set; } = [];

    /// <summary>Gets or sets whether the run may still write to the log (shows that the view follows it).</summary>
    [Parameter]
    public bool Live { get; set; }

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IRunNotifications Notifications { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private IOptions<PortalOptions> Options { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private bool Virtualized => visible.Count > VirtualizeAbove;

    private IEnumerable<string> StepIds => log.Lines.Select(l => l.StepId ?? "").Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private IReadOnlyList<DateTimeOffset> Retries => Tries.Skip(1).Select(t => t.Start).ToList();

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (live is not null && watching == RunId && watchingStep == StepId)
        {
            Rebuild();
            return;
        }

        live?.Dispose();
        watching = RunId;
        watchingStep = StepId;
        next = 0;
        dropped = 0;
        loaded = false;
        log.TrimTo(0);
        await FetchAsync();
        live = new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, RunId, InvokeAsync, async () =>
        {
            if (await FetchAsync())
            {
                StateHasChanged();
            }
        }, n => n.Kind == "log");
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            // Times are shown in the browser's time zone; until it is known (or if it is unknown here), in UTC.
            var zone = await JS.InvokeAsync<string?>("workflowsPortal.timeZone");
            if (zone is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz) && tz != TimeZoneInfo.Utc)
            {
                timeZone = tz;
                StateHasChanged();
            }
        }

        if (scrollPending && follow)
        {
            scrollPending = false;
            await JS.InvokeVoidAsync("workflowsPortal.scrollToEnd", scroller);
        }
    }

    private async Task<bool> FetchAsync()
    {
        var changed = !loaded;
        try
        {
            while (true)
            {
                var slice = await Queries.GetLogsAsync(RunId, next, StepId, SliceSize);
                foreach (var chunk in slice.Chunks)
                {
                    log.Append(chunk);
                }

                changed |= slice.Chunks.Count > 0;
                next = Math.Max(next, slice.Next);
                if (slice.Chunks.Count < SliceSize)
                {
                    break;
                }
            }

            loadError = null;
        }
#pragma warning disable CA1031 // shown in the view; the next change or tick tries again
        catch (Exception ex)
#pragma warning restore CA1031
        {
            changed |= loadError != ex.Message;
            loadError = ex.Message;
        }

        loaded = true;
        if (changed)
        {
            dropped += log.TrimTo(Math.Max(100, Options.Value.MaxLogLines));
            Rebuild();
            scrollPending = true;
        }

        return changed;
    }

    /// <summary>Recomputes the rows on screen: the step filter and the search applied, boundaries inserted.</summary>
    private void Rebuild()
    {
        var rows = new List<LogRow>(log.Lines.Count);
        var retries = Retries;
        LogLine? previous = null;
        matchCount = 0;
        foreach (var line in log.Lines)
        {
            if (stepFilter.Length > 0 && (line.StepId ?? "") != stepFilter)
            {
                continue;
            }

            if (search.Length > 0 && !line.Text.Contains(search, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (LogLines.Boundary(previous, line, retries) is { } boundary)
            {
                rows.Add(new LogRow(null, boundary));
            }

            rows.Add(new LogRow(line, null));
            previous = line;
            matchCount++;
        }

        visible = rows;
    }

    private string LocalTime(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, timeZone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private void SearchChanged(string? value)
    {
        search = value ?? "";
        Rebuild();
    }

    private void StepFilterChanged(string? value)
    {
        stepFilter = value ?? "";
        Rebuild();
    }

    private void ToggleFollow()
    {
        follow = !follow;
        scrollPending = follow;
    }

    private RenderFragment Highlight(string line) => builder =>
    {
        if (search.Length == 0)
        {
            builder.AddContent(0, line);
            return;
        }

        var start = 0;
        int hit;
        while ((hit = line.IndexOf(search, start, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            builder.AddContent(1, line[start..hit]);
            builder.OpenElement(2, "mark");
            builder.AddContent(3, line.Substring(hit, search.Length));
            builder.CloseElement();
            start = hit + search.Length;
        }

        builder.AddContent(4, line[start..]);
    };

    private async Task DownloadAsync()
    {
        // The view may hold only the tail; the download reads the whole log again, in the form of logs.txt.
        var all = new LogLines();
        long after = 0;
        while (true)
        {
            var slice = await Queries.GetLogsAsync(RunId, after, StepId, SliceSize);
            foreach (var chunk in slice.Chunks)
            {
                all.Append(chunk);
            }

            if (slice.Chunks.Count < SliceSize || slice.Next <= after)
            {
                break;
            }

            after = slice.Next;
        }

        await JS.InvokeVoidAsync("workflowsPortal.download", LogLines.FileName(Workflow, RunId, StepId), LogLines.Format(all.Lines, Retries));
    }
}

/// <summary>A row of the log view: a line, or a boundary (a try or the compensation beginning).</summary>
/// <param name="Line">The line, or null for a boundary.</param>
/// <param name="Boundary">The boundary's label, or null for a line.</param>
public sealed record LogRow(LogLine? Line, string? Boundary);
