using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// The run's steps as a graph laid out in columns: a step sits one column right of the deepest step it
/// needs, so fan-out shows as a column of siblings and a join as a step after them. Compensations follow
/// in their own row.
/// </summary>
public partial class RunTimeline
{
    private List<List<StepView>> columns = [];
    private List<StepView> compensations = [];

    /// <summary>Gets or sets the run's steps in definition order, then compensations.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<StepView> Steps { get; set; } = [];

    /// <summary>Gets or sets the selected step's id, if any.</summary>
    [Parameter]
    public string? SelectedStepId { get; set; }

    /// <summary>Gets or sets the current time, for durations of running steps.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    /// <summary>Gets or sets what happens when the user picks a step.</summary>
    [Parameter]
    public EventCallback<StepView> StepSelected { get; set; }

    /// <summary>Returns the column of each step: 0 without needs, else one more than its deepest need.</summary>
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

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        var main = Steps.Where(s => !s.IsCompensation).ToList();
        var depths = Depths(main);
        columns = main.GroupBy(s => depths[s.StepId]).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        compensations = Steps.Where(s => s.IsCompensation).ToList();
    }

    private static string AttemptText(StepView step) =>
        step.Attempt == 0 ? "not started" : step.MaxAttempts > 1 ? $"attempt {step.Attempt}/{step.MaxAttempts}" : $"attempt {step.Attempt}";

    private string CardClass(StepView step) =>
        "wf-step" + (step.IsCompensation ? " wf-compensation" : "") + (step.StepId == SelectedStepId ? " wf-selected" : "");
}
