using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.Abstractions.Runs;

/// <summary>The active workflow definitions and the errors of files that failed to load.</summary>
public interface IWorkflowCatalog
{
    /// <summary>Gets the active definitions, ordered by name.</summary>
    IReadOnlyList<WorkflowDefinition> List();

    /// <summary>Gets the active definition with this name, or null.</summary>
    WorkflowDefinition? Get(string name);

    /// <summary>Gets the errors of files that failed to load (their previous good version, if any, stays active).</summary>
    IReadOnlyList<DefinitionError> Errors { get; }

    /// <summary>Gets the registered actions, ordered by name.</summary>
    IReadOnlyList<ActionDescriptor> Actions { get; }
}

/// <summary>A problem in a definition file.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">The line (1-based), or 0 when unknown.</param>
/// <param name="Column">The column (1-based), or 0 when unknown.</param>
/// <param name="Field">The path of the field, e.g. <c>steps[2].retry.attempts</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record DefinitionError(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>Commands that change runs. Every method validates and throws the exceptions below.</summary>
public interface IRunCommands
{
    /// <summary>Validates the inputs and starts (or queues) a run.</summary>
    /// <exception cref="WorkflowNotFoundException">No such workflow.</exception>
    /// <exception cref="InputValidationException">An input is missing or invalid.</exception>
    /// <exception cref="IdempotencyKeyReusedException">The request's idempotency key came with another request before.</exception>
    /// <exception cref="IdempotencyKeyInProgressException">The request that first carried the idempotency key is still being processed.</exception>
    Task<RunSummary> StartAsync(StartRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>Cancels a run: running actions see their token cancelled, scheduled polls are deleted, completed steps are compensated.</summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    /// <exception cref="RunStateException">The run has already finished.</exception>
    Task CancelAsync(Guid runId, string actor, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Retries a failed or cancelled run from its failed step, keeping all earlier attempts.</summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    /// <exception cref="RunStateException">The run is not failed or cancelled.</exception>
    /// <exception cref="InputValidationException">An edited input is invalid.</exception>
    Task<RunSummary> RetryAsync(Guid runId, RetryRequest request, CancellationToken cancellationToken = default);

    /// <summary>Approves or rejects a waiting approval step.</summary>
    /// <exception cref="RunNotFoundException">No such run or step.</exception>
    /// <exception cref="RunStateException">The step is not waiting for a decision.</exception>
    Task DecideAsync(Guid runId, string stepId, ApprovalDecision decision, CancellationToken cancellationToken = default);
}

/// <summary>Read-only queries over runs for the API and the portal.</summary>
public interface IRunQueries
{
    /// <summary>Lists runs, newest first.</summary>
    Task<PageOf<RunSummary>> ListAsync(RunFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Gets a run with its steps and attempts, or null.</summary>
    Task<RunDetail?> GetAsync(Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Gets audit events after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<AuditEvent>> GetAuditAsync(Guid runId, long afterId = 0, int max = 1000, CancellationToken cancellationToken = default);

    /// <summary>Gets log chunks after <paramref name="after"/>, optionally of one step.</summary>
    Task<LogSlice> GetLogsAsync(Guid runId, long after = 0, string? stepId = null, int max = 500, CancellationToken cancellationToken = default);

    /// <summary>Lists resources in the ledger.</summary>
    Task<IReadOnlyList<ResourceEntry>> GetResourcesAsync(ResourceFilter filter, CancellationToken cancellationToken = default);
}

/// <summary>In-process change notifications for live views (the portal). Cross-server views poll.</summary>
public interface IRunNotifications
{
    /// <summary>Subscribes to changes of one run, or of all runs when <paramref name="runId"/> is null.</summary>
    /// <returns>A handle that unsubscribes when disposed.</returns>
    IDisposable Subscribe(Guid? runId, Action<RunNotification> handler);
}

/// <summary>A field-level validation problem.</summary>
/// <param name="Field">The field, e.g. <c>inputs.cidr</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record FieldError(string Field, string Message);

/// <summary>Thrown when inputs are missing or invalid.</summary>
public sealed class InputValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InputValidationException(IReadOnlyList<FieldError> errors)
        : base(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))) => Errors = errors;

    /// <summary>Gets the problems, one per field.</summary>
    public IReadOnlyList<FieldError> Errors { get; }
}

/// <summary>Thrown when a run cannot start because the server lacks something the workflow requires (<c>requires:</c>).</summary>
/// <param name="workflow">The workflow.</param>
/// <param name="requirement">The requirement's name, e.g. <c>docker</c>.</param>
/// <param name="problem">What is missing and what to configure.</param>
public sealed class RequirementNotMetException(string workflow, string requirement, string problem)
    : Exception($"Workflow '{workflow}' {problem}")
{
    /// <summary>Gets the workflow.</summary>
    public string Workflow { get; } = workflow;

    /// <summary>Gets the requirement's name.</summary>
    public string Requirement { get; } = requirement;
}

/// <summary>Thrown when a workflow does not exist.</summary>
/// <param name="name">The name asked for.</param>
public sealed class WorkflowNotFoundException(string name) : Exception($"Workflow '{name}' does not exist.")
{
    /// <summary>Gets the name asked for.</summary>
    public string Name { get; } = name;
}

/// <summary>Thrown when a run (or a step of it) does not exist.</summary>
/// <param name="message">What was not found.</param>
public sealed class RunNotFoundException(string message) : Exception(message);

/// <summary>
/// Thrown when the step's approval policy does not let this person make this decision (not an approver, the run's own
/// starter, or an approval they already gave). Nothing changed.
/// </summary>
/// <param name="reason">Why, in words for the person refused.</param>
/// <param name="policy">The policy, in one sentence.</param>
public sealed class ApprovalNotAllowedException(string reason, string policy) : Exception(reason)
{
    /// <summary>Gets the step's policy in one sentence.</summary>
    public string Policy { get; } = policy;
}

/// <summary>Thrown when a command does not fit the run's current state (e.g. cancelling a finished run).</summary>
/// <param name="message">Why.</param>
public sealed class RunStateException(string message) : Exception(message);

/// <summary>Thrown when an idempotency key is sent again with a different request than the one it first came with.</summary>
/// <param name="message">Which key, and which run it belongs to.</param>
public sealed class IdempotencyKeyReusedException(string message) : Exception(message);

/// <summary>Thrown when an idempotency key is sent again while the request that first carried it is still being processed.</summary>
/// <param name="message">Which key.</param>
public sealed class IdempotencyKeyInProgressException(string message) : Exception(message);

/// <summary>
/// A start refused because the run's plan has errors (a definition with <c>plan: required</c>, or a start that asked for a
/// plan) and the caller did not override them. Nothing was started.
/// </summary>
/// <param name="plan">The plan, with its errors.</param>
public sealed class PlanHasErrorsException(WorkflowPlan plan)
    : Exception($"The plan of {plan.Workflow} has {plan.Summary.Errors} error(s); nothing was started.")
{
    /// <summary>Gets the plan, with its errors.</summary>
    public WorkflowPlan Plan { get; } = plan;

    /// <summary>Gets the errors in one line each: <c>step: field: message</c>.</summary>
    public IReadOnlyList<string> Errors { get; } = PlanErrors(plan);

    private static List<string> PlanErrors(WorkflowPlan plan) =>
        plan.Problems.Where(p => p.Severity == PlanSeverity.Error).Select(p => p.Message)
            .Concat(plan.Steps.SelectMany(s => s.Plan.Problems.Where(p => p.Severity == PlanSeverity.Error).Select(p => $"{s.Id}: {p.Field}: {p.Message}")))
            .ToList();
}
