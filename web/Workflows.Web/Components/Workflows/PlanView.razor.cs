using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Workflows;

/// <summary>Shows a workflow plan: the steps in DAG order, their objects, diffs, checks, errors and warnings.</summary>
public partial class PlanView
{
    /// <summary>Gets or sets the plan to show. Required.</summary>
    [Parameter, EditorRequired]
    public WorkflowPlan Plan { get; set; } = default!;

    /// <summary>
    /// Gets or sets whether the plan is shown compactly (an approval's dialog): the summary line and one table row per
    /// step with its action, objects, checks and problems. Default is false: each step with its attributes, diffs and checks.
    /// </summary>
    [Parameter]
    public bool Compact { get; set; }

    private string SummaryText => Plan.Summary.ToText();

    private static string Symbol(PlanAction action) => action switch
    {
        PlanAction.Create => "+",
        PlanAction.Update => "~",
        PlanAction.Delete => "-",
        PlanAction.Adopt => "=",
        PlanAction.Unknown or PlanAction.NotPlanned => "?",
        _ => " ",
    };

    private static string ActionText(PlanAction action) => action switch
    {
        PlanAction.NotPlanned => "not planned",
        PlanAction.NoChange => "nothing to change",
        _ => action.ToString().ToLowerInvariant(),
    };

    private static string Mark(PlanCheckOutcome outcome) => outcome switch
    {
        PlanCheckOutcome.Passed => "ok",
        PlanCheckOutcome.Warning => "!!",
        PlanCheckOutcome.Failed => "XX",
        _ => "..",
    };
}
