using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>Every attempt of one step (start, end, error, outputs) and the external calls it made.</summary>
public partial class StepDetails
{
    /// <summary>Gets or sets the step.</summary>
    [Parameter, EditorRequired]
    public StepView Step { get; set; } = default!;

    /// <summary>Gets or sets the run, whose log the drawer shows for this step.</summary>
    [Parameter]
    public Guid RunId { get; set; }

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

    private IEnumerable<IGrouping<int, AttemptView>> AttemptsByTry =>
        Step.Attempts.GroupBy(a => RunTries.TryOf(Tries, a.StartedAt)).OrderBy(g => g.Key);

    private string TryLabel(int number) => Tries.FirstOrDefault(t => t.Number == number)?.Label ?? $"Try {number}";
}
