using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// A run's log that follows new chunks as they arrive (asking only for chunks after the last one),
/// with search and download.
/// </summary>
public sealed partial class LogView : IDisposable
{
    private const int SliceSize = 500;
    private readonly List<string> lines = [];
    private bool lastLineOpen;
    private long next;
    private bool loaded;
    private int dropped;
    private string search = "";
    private int matchCount;
    private string? loadError;
    private LiveUpdates? live;
    private Guid watching;

    /// <summary>Gets or sets the run.</summary>
    [Parameter, EditorRequired]
    public Guid RunId { get; set; }

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

    private IEnumerable<string> VisibleLines =>
        search.Length == 0 ? lines : lines.Where(l => l.Contains(search, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public void Dispose() => live?.Dispose();

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (live is not null && watching == RunId)
        {
            return;
        }

        live?.Dispose();
        watching = RunId;
        lines.Clear();
        lastLineOpen = false;
        next = 0;
        dropped = 0;
        loaded = false;
        await FetchAsync();
        live = new LiveUpdates(Notifications, Clock, Options.Value.PollInterval, RunId, InvokeAsync, async () =>
        {
            if (await FetchAsync())
            {
                StateHasChanged();
            }
        }, n => n.Kind == "log");
    }

    private async Task<bool> FetchAsync()
    {
        var changed = !loaded;
        try
        {
            while (true)
            {
                var slice = await Queries.GetLogsAsync(RunId, next, null, SliceSize);
                foreach (var chunk in slice.Chunks)
                {
                    Append(chunk.Text);
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
            CountMatches();
        }

        return changed;
    }

    private void Append(string text)
    {
        // Chunks may end mid-line (remote logs); continue the open line instead of starting a new one.
        var parts = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < parts.Length; i++)
        {
            if (i == 0 && lastLineOpen && lines.Count > 0)
            {
                lines[^1] += parts[0];
            }
            else if (i < parts.Length - 1 || parts[i].Length > 0)
            {
                lines.Add(parts[i]);
            }
        }

        lastLineOpen = !text.EndsWith('\n') && text.Length > 0;
        var max = Math.Max(100, Options.Value.MaxLogLines);
        if (lines.Count > max)
        {
            dropped += lines.Count - max;
            lines.RemoveRange(0, lines.Count - max);
        }
    }

    private void SearchChanged(string? value)
    {
        search = value ?? "";
        CountMatches();
    }

    private void CountMatches() => matchCount = search.Length == 0 ? 0 : VisibleLines.Count();

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
        // The view may hold only the tail; the download reads the whole log again.
        var text = new StringBuilder();
        long after = 0;
        while (true)
        {
            var slice = await Queries.GetLogsAsync(RunId, after, null, SliceSize);
            foreach (var chunk in slice.Chunks)
            {
                text.Append(chunk.Text);
            }

            if (slice.Chunks.Count < SliceSize || slice.Next <= after)
            {
                break;
            }

            after = slice.Next;
        }

        await JS.InvokeVoidAsync("workflowsPortal.download", $"run-{RunId}.log", text.ToString());
    }
}
