using System.Text.Json.Nodes;

namespace Workflows.Abstractions.Definitions;

/// <summary>A validated workflow definition, one version of one <c>workflows/*.yaml</c> file.</summary>
public sealed class WorkflowDefinition
{
    /// <summary>Gets the unique name (<c>name:</c>), used in URLs.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the description shown on the workflow's card.</summary>
    public string Description { get; init; } = "";

    /// <summary>Gets the content hash (hex SHA-256 prefix) that identifies this version.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the file it was loaded from, or a label for definitions from elsewhere.</summary>
    public string Source { get; init; } = "";

    /// <summary>Gets the typed inputs, in file order.</summary>
    public IReadOnlyList<InputDefinition> Inputs { get; init; } = [];

    /// <summary>Gets the concurrency key expression (e.g. <c>${{ inputs.host }}</c>), or null.</summary>
    public string? Concurrency { get; init; }

    /// <summary>Gets what happens when a step fails for good. Default is <see cref="FailurePolicy.Compensate"/>.</summary>
    public FailurePolicy OnFailure { get; init; } = FailurePolicy.Compensate;

    /// <summary>
    /// Gets what the workflow needs from the server (<c>requires:</c>), by requirement name (see <see cref="IWorkflowRequirement"/>),
    /// each with its value template (may hold <c>${{ }}</c> expressions over the inputs). Default is none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Requires { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets who may run it (<c>permissions:</c>). Default is <see cref="WorkflowPermissions.None"/>: every operator.</summary>
    public WorkflowPermissions Permissions { get; init; } = WorkflowPermissions.None;

    /// <summary>Gets the triggers (schedules, webhooks).</summary>
    public IReadOnlyList<TriggerDefinition> Triggers { get; init; } = [];

    /// <summary>
    /// Gets the notification rules of the workflow (<c>notify:</c>): for each event of <see cref="NotificationEvents"/>, the
    /// names of the configured channels that receive it. They add to the global rules of configuration. Default is none.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Notify { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Gets whether every run is planned at start and waits for an approval of its plan (<c>plan: required</c>). The
    /// approval is the synthetic first step <see cref="PlanApprovalStepId"/> (a <c>core.approval</c>) that every root step
    /// needs. Default is false.
    /// </summary>
    public bool PlanRequired { get; init; }

    /// <summary>Gets the steps, in file order (with <c>plan: required</c>, <see cref="PlanApprovalStepId"/> first).</summary>
    public IReadOnlyList<StepDefinition> Steps { get; init; } = [];

    /// <summary>The id of the approval step that <c>plan: required</c> puts before every root step.</summary>
    public const string PlanApprovalStepId = "plan-approval";

    /// <summary>Gets a step by id, or null.</summary>
    public StepDefinition? FindStep(string id) => Steps.FirstOrDefault(s => s.Id == id);
}

/// <summary>What a run does when a step fails for good.</summary>
public enum FailurePolicy
{
    /// <summary>Run the <c>compensate:</c> actions of started steps in reverse order, then fail. Retrying re-runs compensated steps.</summary>
    Compensate,

    /// <summary>Fail and keep everything as it is, so an operator can inspect and retry from the failed step.</summary>
    Hold,
}

/// <summary>The type of a workflow input.</summary>
public enum InputType
{
    /// <summary>Text, optionally matched against a pattern.</summary>
    String,

    /// <summary>A whole number.</summary>
    Int,

    /// <summary>true or false.</summary>
    Bool,

    /// <summary>One of <see cref="InputDefinition.Values"/>.</summary>
    Enum,

    /// <summary>An IPv4 or IPv6 network in CIDR notation.</summary>
    Cidr,

    /// <summary>An IPv4 or IPv6 address.</summary>
    Ip,

    /// <summary>Text that is encrypted at rest, masked everywhere and redacted from logs.</summary>
    Secret,

    /// <summary>The name of a configured cloud (the portal offers a picker).</summary>
    Cloud,
}

/// <summary>One typed input of a workflow.</summary>
public sealed class InputDefinition
{
    /// <summary>Gets the name used in <c>${{ inputs.name }}</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the type.</summary>
    public InputType Type { get; init; } = InputType.String;

    /// <summary>Gets whether a value must be given when there is no default.</summary>
    public bool Required { get; init; }

    /// <summary>Gets the default value, or null.</summary>
    public JsonNode? Default { get; init; }

    /// <summary>Gets a regular expression a value must match entirely (as <c>\A(?:pattern)\z</c>), or null.</summary>
    public string? Pattern { get; init; }

    /// <summary>
    /// Gets what <see cref="Pattern"/> asks for in words (<c>patternHint:</c>), e.g. "lowercase letters, digits and '-'",
    /// said by validation messages instead of the raw regular expression; or null to quote the pattern.
    /// </summary>
    public string? PatternHint { get; init; }

    /// <summary>
    /// Gets the longest value accepted, in characters (<c>maxLength:</c>), or null for
    /// <see cref="InputRules.DefaultMaxLength"/>.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Gets the help text.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the allowed values of an enum.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Gets whether the value is secret.</summary>
    public bool IsSecret => Type == InputType.Secret;
}

/// <summary>One step of a workflow.</summary>
public sealed class StepDefinition
{
    /// <summary>Gets the id, unique in the workflow.</summary>
    public required string Id { get; init; }

    /// <summary>Gets a display name, or null to show the id.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the action name (<c>uses:</c>).</summary>
    public required string Uses { get; init; }

    /// <summary>Gets the inputs as a tree whose strings may hold <c>${{ … }}</c> expressions.</summary>
    public JsonObject With { get; init; } = [];

    /// <summary>Gets the ids of the steps that must finish first.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];

    /// <summary>Gets the condition expression, or null to always run.</summary>
    public string? If { get; init; }

    /// <summary>Gets the retry policy.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.None;

    /// <summary>Gets the deadline over all attempts and polls, or null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the poll schedule of this step (<c>poll:</c>), or null for its action's default.</summary>
    public PollSchedule? Poll { get; init; }

    /// <summary>Gets the action that undoes this step, or null.</summary>
    public CompensationDefinition? Compensate { get; init; }

    /// <summary>Gets the approval policy of a <c>core.approval</c> step (from its <c>with:</c>), or null for other steps.</summary>
    public ApprovalPolicy? Approval { get; init; }

    /// <summary>Gets the line of the step in its file (1-based), for messages.</summary>
    public int Line { get; init; }
}

/// <summary>The action that undoes a step.</summary>
public sealed class CompensationDefinition
{
    /// <summary>Gets the action name.</summary>
    public required string Uses { get; init; }

    /// <summary>Gets its inputs; expressions may use <c>steps.&lt;this step&gt;.outputs</c>.</summary>
    public JsonObject With { get; init; } = [];

    /// <summary>Gets its retry policy. Default is 3 attempts with exponential backoff.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.CompensationDefault;

    /// <summary>Gets its deadline, or null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets its poll schedule (<c>poll:</c>), or null for its action's default.</summary>
    public PollSchedule? Poll { get; init; }
}

/// <summary>How a trigger starts runs.</summary>
public enum TriggerKind
{
    /// <summary>A person in the portal.</summary>
    Portal,

    /// <summary>A client of the REST API.</summary>
    Api,

    /// <summary>A cron schedule.</summary>
    Schedule,

    /// <summary>A signed webhook delivery.</summary>
    Webhook,

    /// <summary>Another run (a pipeline step).</summary>
    Parent,
}

/// <summary>A trigger declared in a definition.</summary>
public sealed class TriggerDefinition
{
    /// <summary>Gets the kind (<see cref="TriggerKind.Schedule"/> or <see cref="TriggerKind.Webhook"/>).</summary>
    public required TriggerKind Kind { get; init; }

    /// <summary>Gets the trigger's name (defaults derived from the workflow).</summary>
    public string? Name { get; init; }

    /// <summary>Gets the cron expression of a schedule.</summary>
    public string? Cron { get; init; }

    /// <summary>Gets the IANA time zone of a schedule. Default is UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Gets the overlap policy of a schedule: <c>skip</c>, <c>queue</c> or <c>allow</c>.</summary>
    public string? Overlap { get; init; }

    /// <summary>Gets the inputs a trigger passes (expressions over <c>payload</c> for webhooks).</summary>
    public JsonObject Inputs { get; init; } = [];

    /// <summary>Gets a webhook's filter expression, or null.</summary>
    public string? Filter { get; init; }

    /// <summary>Gets the line in the file (1-based).</summary>
    public int Line { get; init; }
}
