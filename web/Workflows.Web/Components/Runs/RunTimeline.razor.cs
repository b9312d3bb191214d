using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// The run's steps as a directed graph drawn by the portal: a layered graph (<see cref="DagLayout"/>) with an SVG
/// edge from every needed step to the step that needs it, always as wide as its container (no sideways scrolling, so
/// the failed step is in view). Compensations follow, grouped by the try they belong to.
/// </summary>
public partial class RunTimeline
{
    private string? revealed;
    private DagLayout graph = DagLayout.For([]);
    private IReadOnlyList<RunTry> tries = [];
    private List<(string Label, int Number, List<StepView> Steps)> compensationsByTry = [];

    /// <summary>Gets or sets the run's steps in definition order, then compensations.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<StepView> Steps { get; set; } = [];

    /// <summary>Gets or sets the run's tries (see <see cref="RunTries"/>). Default is none: everything is one try.</summary>
    [Parameter]
    public IReadOnlyList<RunTry> Tries { get; set; } = [];

    /// <summary>Gets or sets the selected step's id, if any.</summary>
    [Parameter]
    public string? SelectedStepId { get; set; }

    /// <summary>Gets or sets the current time, for durations of running steps.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    /// <summary>
    /// Gets or sets whether the steps are a definition's rather than a run's: cards show the action (and
    /// <see cref="StepView.Progress"/> as a one-line summary) instead of status, duration and attempts, and edges are
    /// neutral. Default is false.
    /// </summary>
    [Parameter]
    public bool Definition { get; set; }

    /// <summary>Gets or sets what happens when the user picks a step (click, Enter or Space).</summary>
    [Parameter]
    public EventCallback<StepView> StepSelected { get; set; }

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>Returns the layer of each step: 0 without needs, else one more than its deepest need.</summary>
    public static IReadOnlyDictionary<string, int> Depths(IEnumerable<StepView> steps)
    {
        var byId = steps.ToDictionary(s => s.StepId, StringComparer.Ordinal);
        var depths = new Dictionary<string, int>(StringComparer.Ordinal);

        int Depth(string id, int guard)
        {
            if (depths.TryGetValue(id, out var d))
            {
                return d;
            }

            // The engine rejects cycles; the guard only keeps a malformed view from recursing forever.
            var needs = byId.TryGetValue(id, out var step) && guard < byId.Count ? step.Needs.Where(byId.ContainsKey).ToList() : [];
            d = needs.Count == 0 ? 0 : needs.Max(n => Depth(n, guard + 1)) + 1;
            depths[id] = d;
            return d;
        }

        foreach (var id in byId.Keys)
        {
            Depth(id, 0);
        }

        return depths;
    }

    /// <summary>
    /// Returns the attempt text of a step, counted within the try of its latest attempt (the retry policy's count),
    /// the same numbering the step drawer uses.
    /// </summary>
    public static string AttemptText(StepView step, IReadOnlyList<RunTry> tries)
    {
        if (step.Attempts.Count == 0)
        {
            return step.Attempt == 0 ? "not started" : step.MaxAttempts > 1 ? $"attempt {step.Attempt}/{step.MaxAttempts}" : $"attempt {step.Attempt}";
        }

        var lastTry = RunTries.TryOf(tries, step.Attempts[^1].StartedAt);
        var n = step.Attempts.Count(a => RunTries.TryOf(tries, a.StartedAt) == lastTry);
        var text = step.MaxAttempts > 1 ? $"attempt {n}/{step.MaxAttempts}" : $"attempt {n}";
        return tries.Count > 1 ? $"try {lastTry} · {text}" : text;
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        tries = Tries;
        graph = DagLayout.For(Steps.Where(s => !s.IsCompensation).ToList());
        compensationsByTry = Steps.Where(s => s.IsCompensation)
            .GroupBy(s => RunTries.TryOf(tries, s.StartedAt ?? (s.Attempts.Count > 0 ? s.Attempts[0].StartedAt : null)))
            .OrderBy(g => g.Key)
            .Select(g => (tries.FirstOrDefault(t => t.Number == g.Key)?.Label ?? $"Try {g.Key}", g.Key, g.ToList()))
            .ToList();
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The graph never scrolls sideways, but 30 chained steps are taller than a screen: bring the failed step into
        // view — once per failed step, so live updates never move the page under someone who scrolled away.
        if (Definition || Steps.FirstOrDefault(s => !s.IsCompensation && s.Status == StepStatus.Failed) is not { } failed || failed.StepId == revealed)
        {
            return;
        }

        revealed = failed.StepId;
        await JS.InvokeVoidAsync("workflowsPortal.revealStep", failed.StepId);
    }

    private string AttemptText(StepView step) => AttemptText(step, tries);

    private string Duration(StepView step) =>
        RunTries.StepActive(step, tries, Now) is { } d ? Formatting.Duration(d) : "–";

    private static string Tooltip(StepView step) =>
        $"{step.StepId} ({step.Uses})" + (step.Needs.Count > 0 ? $"\nneeds {string.Join(", ", step.Needs)}" : "");

    private string NodeStyle(DagNode node)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var (x, _) = graph.Centre(node);
        var width = $"min(16rem, {100.0 / graph.Across(node):0.###}% - 1.5rem)";
        return string.Create(inv, $"top: {graph.Top(node):0.#}px; left: calc({x * 100:0.###}% - ({width}) / 2); width: calc({width}); height: {DagLayout.NodeHeight}px");
    }

    private string EdgeClass(DagEdge edge) => Definition ? "wf-dag-edge" :
        "wf-dag-edge" + (edge.To.Step.Status is StepStatus.Failed || edge.From.Step.Status is StepStatus.Failed ? " wf-dag-edge-failed"
            : edge.From.Step.Status is StepStatus.Succeeded && edge.To.Step.Status is not StepStatus.Pending ? " wf-dag-edge-done" : "");

    private async Task KeyDownAsync(KeyboardEventArgs e, StepView step)
    {
        if (e.Key is "Enter" or " ")
        {
            await StepSelected.InvokeAsync(step);
        }
    }

    private string CardClass(StepView step) =>
        "wf-step" + (step.IsCompensation ? " wf-compensation" : "") + (step.StepId == SelectedStepId ? " wf-selected" : "");
}
