using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Workflows;

/// <summary>One workflow: its description, its last run and the Run button.</summary>
public partial class WorkflowCard
{
    /// <summary>Gets or sets the definition.</summary>
    [Parameter, EditorRequired]
    public WorkflowDefinition Definition { get; set; } = default!;

    /// <summary>Gets or sets the newest run, or null when there is none.</summary>
    [Parameter]
    public RunSummary? LastRun { get; set; }

    /// <summary>Gets or sets whether the last run has been looked up yet.</summary>
    [Parameter]
    public bool LastRunLoaded { get; set; }

    /// <summary>Gets or sets whether the user may start runs.</summary>
    [Parameter]
    public bool CanRun { get; set; }

    /// <summary>
    /// Gets or sets why this user may not run this workflow though they may start runs (its <c>permissions:</c> name
    /// groups they are not in), or null when they may. Default is null.
    /// </summary>
    [Parameter]
    public string? NotAllowedReason { get; set; }

    /// <summary>Gets the hints of what the workflow requires from the server (<c>requires:</c>), e.g. "Needs a Docker engine".</summary>
    protected IEnumerable<string> RequirementHints =>
        Definition.Requires.Keys.Select(name => Requirements.FirstOrDefault(r => r.Name == name)?.Hint ?? $"Needs {name}");

    /// <summary>Gets or sets the requirements the server knows (their hints).</summary>
    [Inject]
    private IEnumerable<IWorkflowRequirement> Requirements { get; set; } = [];

    /// <summary>Gets or sets what happens when the user clicks Run.</summary>
    [Parameter]
    public EventCallback<WorkflowDefinition> RunClicked { get; set; }
}
