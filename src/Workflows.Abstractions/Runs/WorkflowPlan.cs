using System.Globalization;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;

namespace Workflows.Abstractions.Runs;

/// <summary>Plans a workflow with its inputs: what a run would do, before it does anything.</summary>
public interface IWorkflowPlanner
{
    /// <summary>Plans a run of <see cref="PlanRequest.Workflow"/> with read-only calls only.</summary>
    /// <exception cref="WorkflowNotFoundException">No such workflow.</exception>
    /// <exception cref="InputValidationException">An input is missing or invalid (the same rules as a run start).</exception>
    Task<WorkflowPlan> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A request to plan a run.</summary>
/// <param name="Workflow">The workflow name.</param>
/// <param name="Inputs">Input values by name, as for a run start; missing ones take their defaults.</param>
/// <param name="Actor">Who asks.</param>
public sealed record PlanRequest(string Workflow, IReadOnlyDictionary<string, JsonNode?> Inputs, string Actor);

/// <summary>What a run of a workflow would do, step by step in DAG order.</summary>
/// <param name="Workflow">The workflow name.</param>
/// <param name="Version">The definition version planned (a run started now would be pinned to it).</param>
/// <param name="Inputs">The validated inputs with defaults applied; secrets masked.</param>
/// <param name="Steps">Each step in DAG (topological) order.</param>
/// <param name="Problems">Problems of the workflow as a whole (e.g. a requirement the server does not meet).</param>
/// <param name="Summary">The counts over every step.</param>
/// <param name="PlannedAt">When the plan was made.</param>
public sealed record WorkflowPlan(
    string Workflow,
    string Version,
    JsonObject Inputs,
    IReadOnlyList<PlannedStep> Steps,
    IReadOnlyList<PlanProblem> Problems,
    PlanSummary Summary,
    DateTimeOffset PlannedAt);

/// <summary>One step of a workflow plan.</summary>
/// <param name="Id">The step id.</param>
/// <param name="Name">The step's display name, if any.</param>
/// <param name="Uses">The action.</param>
/// <param name="Needs">The steps it waits for.</param>
/// <param name="Condition">
/// Its <c>if:</c> as planned: null without one, <c>true</c>, <c>false</c> (then <see cref="PlanAction.Skipped"/>), or
/// <c>depends on … (known after `step`)</c> when it reads values not known yet: the step is planned as if it ran.
/// </param>
/// <param name="Inputs">Its <c>with:</c> after evaluation; secrets masked, unknown values as <c>(known after `step`)</c>.</param>
/// <param name="Plan">What it would do.</param>
/// <param name="Calls">The read calls made to plan it (method and endpoint), for the record.</param>
public sealed record PlannedStep(
    string Id,
    string? Name,
    string Uses,
    IReadOnlyList<string> Needs,
    string? Condition,
    JsonObject Inputs,
    StepPlan Plan,
    IReadOnlyList<string> Calls);

/// <summary>The counts of a workflow plan, like Terraform's "Plan: 2 to add, 0 to change, 0 to destroy".</summary>
/// <param name="Create">Objects to create.</param>
/// <param name="Adopt">Existing objects to adopt.</param>
/// <param name="Update">Objects to change.</param>
/// <param name="Delete">Objects to delete.</param>
/// <param name="Unknown">Steps or objects that cannot be told in advance.</param>
/// <param name="NotPlanned">Steps whose action has no plan.</param>
/// <param name="Errors">Errors over every step and the workflow.</param>
/// <param name="Warnings">Warnings over every step and the workflow.</param>
public sealed record PlanSummary(int Create, int Adopt, int Update, int Delete, int Unknown, int NotPlanned, int Errors, int Warnings)
{
    /// <summary>
    /// The counts in one line, the same wherever a plan is summed up (the approvals inbox, the approval dialog, the
    /// start form's preview, the run's audit): <c>Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 1 warning</c>,
    /// followed by <c>(1 unknown, 0 not planned)</c> when some steps cannot be told in advance.
    /// </summary>
    public string ToText()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"Plan: {Create} to create, {Adopt} to adopt, {Update} to change, {Delete} to destroy; {Count(Errors, "error")}, {Count(Warnings, "warning")}");
        return Unknown + NotPlanned > 0 ? text + string.Create(CultureInfo.InvariantCulture, $" ({Unknown} unknown, {NotPlanned} not planned)") : text;
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : string.Create(CultureInfo.InvariantCulture, $"{n} {what}s");
}
