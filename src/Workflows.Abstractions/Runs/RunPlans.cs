namespace Workflows.Abstractions.Runs;

/// <summary>
/// The plans runs started with: what a person saw (and, with errors, overrode) before a run touched anything is kept
/// with the run and summarized in its audit.
/// </summary>
public interface IRunPlans
{
    /// <summary>Stores the plan a run was started with and writes its summary into the run's audit.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="plan">The plan made before the start (secrets already masked).</param>
    /// <param name="actor">Who started the run.</param>
    /// <param name="overridden">Whether the run was started although the plan had errors.</param>
    /// <param name="cancellationToken">A token.</param>
    /// <exception cref="InvalidOperationException">The run has a plan already (a plan is recorded once).</exception>
    Task RecordAsync(Guid runId, WorkflowPlan plan, string actor, bool overridden, CancellationToken cancellationToken = default);

    /// <summary>Gets the plan a run was started with, or null when it was started without one.</summary>
    Task<WorkflowPlan?> GetAsync(Guid runId, CancellationToken cancellationToken = default);
}
