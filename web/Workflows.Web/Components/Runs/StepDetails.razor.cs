using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// Every attempt of one step (start, end, error, outputs), the inputs an attempt was started with (as evaluated, secrets
/// masked; the latest attempt's unless another is chosen) and the external calls it made.
/// </summary>
public partial class StepDetails
{
    private string? shownStepId;
    private int? chosenAttempt;

    /// <summary>Gets or sets the step.</summary>
    [Parameter, EditorRequired]
    public StepView Step { get; set; } = default!;

    /// <summary>Gets or sets the run, whose log the drawer shows for this step.</summary>
    [Parameter]
    public Guid RunId { get; set; }

    /// <summary>Gets or sets the run's workflow, which names the step's downloaded log. Default is <c>run</c>.</summary>
    [Parameter]
    public string Workflow { get; set; } = "run";

    /// <summary>Gets or sets whether the run may still write to the log. Default is false.</summary>
    [Parameter]
    public bool Live { get; set; }

    /// <summary>Gets or sets the step's audit events of kind <c>call</c>.</summary>
    [Parameter]
    public IReadOnlyList<AuditEvent> Calls { get; set; } = [];

    /// <summary>Gets or sets the run's tries; attempts are grouped and numbered per try. Default is none (one try).</summary>
    [Parameter]
    public IReadOnlyList<RunTry> Tries { get; set; } = [];

    /// <summary>Gets or sets the step's definition (its <c>with:</c> inputs are shown), or null.</summary>
    [Parameter]
    public StepDefinition? Definition { get; set; }

    /// <summary>Gets or sets the current time.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    /// <summary>Gets or sets what happens when the user closes the details.</summary>
    [Parameter]
    public EventCallback CloseClicked { get; set; }

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>Gets the attempt whose inputs are shown: the one chosen, else the latest.</summary>
    private AttemptView? InputsAttempt =>
        Step.Attempts.FirstOrDefault(a => a.Number == chosenAttempt) ?? (Step.Attempts.Count > 0 ? Step.Attempts[^1] : null);

    private IEnumerable<IGrouping<int, AttemptView>> AttemptsByTry =>
        Step.Attempts.GroupBy(a => RunTries.TryOf(Tries, a.StartedAt)).OrderBy(g => g.Key);

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        // Another step in the same drawer: back to its latest attempt.
        if (shownStepId != Step.StepId)
        {
            shownStepId = Step.StepId;
            chosenAttempt = null;
        }
    }

    private static bool IsMasked(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == Secret.Mask;

    private void SelectAttempt(int number) => chosenAttempt = number;

    private string AttemptLabel(AttemptView attempt)
    {
        // Numbered within its try, as the attempt cards are.
        var group = AttemptsByTry.First(g => g.Any(a => a.Number == attempt.Number));
        var n = group.ToList().FindIndex(a => a.Number == attempt.Number) + 1;
        var prefix = Tries.Count > 1 ? $"try {group.Key} · " : "";
        return $"{prefix}attempt {n}";
    }

    /// <summary>Returns the definition's text of an input when it holds an expression (what the value was evaluated from), else null.</summary>
    private string? ExpressionOf(string name)
    {
        var with = Step.IsCompensation ? Definition?.Compensate?.With : Definition?.With;
        return with?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } text && text.Contains("${{", StringComparison.Ordinal) ? text : null;
    }

    private async Task CopyAsync(string text) => await JS.InvokeVoidAsync("workflowsPortal.copy", text);

    private string TryLabel(int number) => Tries.FirstOrDefault(t => t.Number == number)?.Label ?? $"Try {number}";
}
