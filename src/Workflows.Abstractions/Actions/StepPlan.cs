using System.Text.Json.Serialization;

namespace Workflows.Abstractions.Actions;

/// <summary>What a step (or one object of it) would do when the run executes it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanAction>))]
public enum PlanAction
{
    /// <summary>Nothing to do: the step waits, reads or finds everything as it should be.</summary>
    NoChange,

    /// <summary>Creates a new object (<c>+</c>).</summary>
    Create,

    /// <summary>Takes over an object that exists already (<c>=</c>).</summary>
    Adopt,

    /// <summary>Changes an existing object (<c>~</c>), with a diff.</summary>
    Update,

    /// <summary>Deletes an object (<c>-</c>).</summary>
    Delete,

    /// <summary>Cannot be told in advance, e.g. it depends on values known only after an earlier step (<c>?</c>).</summary>
    Unknown,

    /// <summary>The action has no plan (it does not implement <see cref="IPlannableAction"/>).</summary>
    NotPlanned,

    /// <summary>The step's <c>if:</c> is false: it will not run.</summary>
    Skipped,
}

/// <summary>The outcome of one check a plan made.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanCheckOutcome>))]
public enum PlanCheckOutcome
{
    /// <summary>The check passed.</summary>
    Passed,

    /// <summary>The check found something to look at (a warning goes with it).</summary>
    Warning,

    /// <summary>The check failed (an error goes with it).</summary>
    Failed,

    /// <summary>The check could not be made yet (its value is unknown until an earlier step ran).</summary>
    Deferred,
}

/// <summary>How serious a problem of a plan is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanSeverity>))]
public enum PlanSeverity
{
    /// <summary>The run would fail at this step (or do harm) unless it is fixed.</summary>
    Error,

    /// <summary>The run may go wrong, or do something the user may not expect.</summary>
    Warning,
}

/// <summary>A check a plan made, e.g. "flavor m1.tiny exists" or "3 of 10 instances left".</summary>
/// <param name="Name">What was checked, short: <c>flavor</c>, <c>quota.instances</c>, <c>name free</c>.</param>
/// <param name="Outcome">Its outcome.</param>
/// <param name="Detail">What was found, e.g. <c>m1.tiny (1 vCPU, 512 MB RAM, 1 GB disk)</c>.</param>
public sealed record PlanCheck(string Name, PlanCheckOutcome Outcome, string Detail);

/// <summary>A problem a plan found, on the field it belongs to.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Field">The input it is about, e.g. <c>with.flavor</c>, or <c>step</c> for the step as a whole.</param>
/// <param name="Message">What is wrong and, where possible, what would fix it.</param>
public sealed record PlanProblem(PlanSeverity Severity, string Field, string Message);

/// <summary>One attribute's change in an update: <c>image: app:v1 → app:v2</c>.</summary>
/// <param name="Field">The attribute, e.g. <c>image</c>, <c>replicas</c>, <c>env.DB_PASSWORD</c>.</param>
/// <param name="Before">The current value; null when it is added.</param>
/// <param name="After">The new value; null when it is removed.</param>
public sealed record PlanChange(string Field, string? Before, string? After);

/// <summary>A concrete object a step would create, adopt, change or delete.</summary>
/// <param name="Kind">Its type, as in the ledger: <c>nova.server</c>, <c>neutron.floatingip</c>, <c>docker.service</c>.</param>
/// <param name="Name">Its name (or id), or <c>(known after `step`)</c>.</param>
/// <param name="Action">What happens to it.</param>
/// <param name="Attributes">Its attributes as they will be (flavor, image, networks…), as text; secrets masked.</param>
/// <param name="Changes">For <see cref="PlanAction.Update"/>: what changes.</param>
public sealed record PlannedResource(
    string Kind,
    string Name,
    PlanAction Action,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<PlanChange> Changes);

/// <summary>What one step would do: its action, objects, checks and problems.</summary>
/// <param name="Action">What the step would do as a whole.</param>
/// <param name="Summary">One line, e.g. <c>boot server myvm (m1.tiny, cirros) on private</c>.</param>
/// <param name="Resources">The objects it would create, adopt, change or delete.</param>
/// <param name="Checks">The checks it made, each with its result.</param>
/// <param name="Problems">The errors and warnings it found.</param>
public sealed record StepPlan(
    PlanAction Action,
    string Summary,
    IReadOnlyList<PlannedResource> Resources,
    IReadOnlyList<PlanCheck> Checks,
    IReadOnlyList<PlanProblem> Problems)
{
    /// <summary>Gets whether the plan has an error.</summary>
    [JsonIgnore]
    public bool HasErrors => Problems.Any(p => p.Severity == PlanSeverity.Error);

    /// <summary>A plan that says the step does nothing that changes anything.</summary>
    public static StepPlan NoChange(string summary) => new(PlanAction.NoChange, summary, [], [], []);

    /// <summary>The plan of an action that cannot plan itself.</summary>
    public static StepPlan NotPlanned(string uses) => new(PlanAction.NotPlanned, $"{uses} has no plan: what it does is known only when it runs", [], [], []);
}

/// <summary>Builds a <see cref="StepPlan"/> as an action makes its checks.</summary>
public sealed class StepPlanBuilder
{
    private readonly List<PlannedResource> resources = [];
    private readonly List<PlanCheck> checks = [];
    private readonly List<PlanProblem> problems = [];

    /// <summary>Gets whether an error was added.</summary>
    public bool HasErrors => problems.Any(p => p.Severity == PlanSeverity.Error);

    /// <summary>Adds a check that passed.</summary>
    public StepPlanBuilder Passed(string name, string detail)
    {
        checks.Add(new PlanCheck(name, PlanCheckOutcome.Passed, detail));
        return this;
    }

    /// <summary>Adds a check that could not be made yet, e.g. because its value is known only after an earlier step.</summary>
    public StepPlanBuilder Deferred(string name, string detail)
    {
        checks.Add(new PlanCheck(name, PlanCheckOutcome.Deferred, detail));
        return this;
    }

    /// <summary>Adds a failed check and the error that goes with it, on <paramref name="field"/>.</summary>
    public StepPlanBuilder Error(string name, string field, string message)
    {
        checks.Add(new PlanCheck(name, PlanCheckOutcome.Failed, message));
        problems.Add(new PlanProblem(PlanSeverity.Error, field, message));
        return this;
    }

    /// <summary>Adds a check with a warning, on <paramref name="field"/>.</summary>
    public StepPlanBuilder Warning(string name, string field, string message)
    {
        checks.Add(new PlanCheck(name, PlanCheckOutcome.Warning, message));
        problems.Add(new PlanProblem(PlanSeverity.Warning, field, message));
        return this;
    }

    /// <summary>Adds an object the step would act on.</summary>
    public StepPlanBuilder Resource(string kind, string name, PlanAction action, IReadOnlyDictionary<string, string>? attributes = null, IReadOnlyList<PlanChange>? changes = null)
    {
        resources.Add(new PlannedResource(kind, name, action, attributes ?? new Dictionary<string, string>(), changes ?? []));
        return this;
    }

    /// <summary>Builds the plan.</summary>
    /// <param name="action">What the step would do as a whole.</param>
    /// <param name="summary">One line saying it.</param>
    public StepPlan Build(PlanAction action, string summary) => new(action, summary, [.. resources], [.. checks], [.. problems]);
}
