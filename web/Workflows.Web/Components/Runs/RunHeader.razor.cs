using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Microsoft.AspNetCore.Components.Web;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// A run's status, trigger, timing and inputs (secrets masked). The inputs start as one summary line so the steps and
/// the log stay above the fold; a click (or Enter/Space) expands them into a table.
/// </summary>
public partial class RunHeader
{
    private bool inputsExpanded;

    /// <summary>Gets or sets the run.</summary>
    [Parameter, EditorRequired]
    public RunSummary Run { get; set; } = default!;

    /// <summary>Gets or sets the run's inputs as the engine returns them (secrets already masked).</summary>
    [Parameter]
    public IReadOnlyDictionary<string, JsonNode?> Inputs { get; set; } = new Dictionary<string, JsonNode?>();

    /// <summary>Gets or sets the workflow's definition, used to mask secret inputs a second time.</summary>
    [Parameter]
    public WorkflowDefinition? Definition { get; set; }

    /// <summary>Gets or sets the run's tries; the duration sums them, leaving out the idle time before a manual retry.</summary>
    [Parameter]
    public IReadOnlyList<RunTry> Tries { get; set; } = [];

    /// <summary>Gets or sets the current time.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    /// <summary>Gets the error line, without repeating the step when the message already names it.</summary>
    private string DurationText => Run.StartedAt is null ? "–"
        : Tries.Count == 0 ? Formatting.Duration(Run.StartedAt, Run.FinishedAt, Now)
        : Formatting.Duration(RunTries.Active(Tries, Now)) + (Tries.Count > 1 ? $" in {Tries.Count} tries" : "");

    private string ErrorText => ErrorLine(Run.FailedStep, Run.Error);

    /// <summary>Prefixes an error with its step unless the message already says which step failed.</summary>
    public static string ErrorLine(string? failedStep, string? error)
    {
        if (string.IsNullOrEmpty(error) || failedStep is null
            || error.Contains($"'{failedStep}'", StringComparison.Ordinal) || error.StartsWith($"Step {failedStep}", StringComparison.Ordinal))
        {
            return error ?? "";
        }

        return $"Step {failedStep}: {error}";
    }

    private string Display(string name, JsonNode? value) =>
        Definition?.Inputs.FirstOrDefault(i => i.Name == name)?.IsSecret == true ? Formatting.Secret(value) : Formatting.Json(value);

    private void ToggleInputs() => inputsExpanded = !inputsExpanded;

    private void InputsKeyDown(KeyboardEventArgs e)
    {
        if (e.Key is "Enter" or " ")
        {
            ToggleInputs();
        }
    }
}
