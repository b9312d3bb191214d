using Workflows.Abstractions.Definitions;

namespace Workflows.Abstractions.Runs;

#pragma warning disable SA1402 // The inbox's item and its query are read together.

/// <summary>One approval request waiting for people to decide, as the approvals inbox lists it.</summary>
public sealed record PendingApproval
{
    /// <summary>Gets the run.</summary>
    public required Guid RunId { get; init; }

    /// <summary>Gets the run's workflow.</summary>
    public required string Workflow { get; init; }

    /// <summary>Gets the approval step's id.</summary>
    public required string StepId { get; init; }

    /// <summary>Gets the step's display name, or null.</summary>
    public string? StepName { get; init; }

    /// <summary>Gets what the approvers are asked (the step's evaluated <c>message</c>).</summary>
    public required string Message { get; init; }

    /// <summary>Gets who asked: the person, schedule, webhook or parent run that started the run.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets when the request was made.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>
    /// Gets the one-line summary of the plan the run was started with (<c>plan: 2 to create, …; 0 errors, 1 warning</c>),
    /// or null when it was started without a plan. The whole plan is <see cref="IRunPlans.GetAsync"/>.
    /// </summary>
    public string? PlanSummary { get; init; }

    /// <summary>Gets when the request expires, once the step has asked.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets what the expiry decides.</summary>
    public ApprovalExpiry OnExpiry { get; init; }

    /// <summary>Gets how many different people must approve.</summary>
    public int Required { get; init; } = 1;

    /// <summary>Gets who has approved so far, oldest first.</summary>
    public IReadOnlyList<string> ApprovedBy { get; init; } = [];

    /// <summary>Gets the step's policy in one sentence.</summary>
    public required string Policy { get; init; }

    /// <summary>Gets who may approve, e.g. <c>group platform-admins or user alice</c>.</summary>
    public required string Approvers { get; init; }

    /// <summary>Gets whether the caller may approve.</summary>
    public bool CanApprove { get; init; }

    /// <summary>Gets whether the caller may reject.</summary>
    public bool CanReject { get; init; }

    /// <summary>Gets why the caller may not approve, or null when they may.</summary>
    public string? WhyNot { get; init; }
}

/// <summary>The approvals inbox.</summary>
public interface IApprovalQueries
{
    /// <summary>Lists every approval request waiting for a decision, oldest first, saying for each whether <paramref name="caller"/> may decide and if not why.</summary>
    /// <param name="caller">Who asks (their roles and groups are checked against each step's policy).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<IReadOnlyList<PendingApproval>> ListPendingAsync(Approver caller, CancellationToken cancellationToken = default);

    /// <summary>Returns the pending request of one step, or null when the step waits for no decision.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="stepId">The approval step.</param>
    /// <param name="caller">Who asks.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<PendingApproval?> GetPendingAsync(Guid runId, string stepId, Approver caller, CancellationToken cancellationToken = default);
}
