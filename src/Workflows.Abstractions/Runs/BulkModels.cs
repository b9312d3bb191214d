namespace Workflows.Abstractions.Runs;

#pragma warning disable SA1402 // The bulk operation's request, results and contract are read together.

/// <summary>What a bulk operation does to each run.</summary>
public enum BulkAction
{
    /// <summary>Cancel the run (skipped when it has finished).</summary>
    Cancel,

    /// <summary>Retry a failed or cancelled run from its failed step (skipped otherwise).</summary>
    Retry,

    /// <summary>Approve every approval step the run waits on (skipped when it waits on none).</summary>
    Approve,

    /// <summary>Reject every approval step the run waits on (skipped when it waits on none).</summary>
    Reject,
}

/// <summary>How one run of a bulk operation fared.</summary>
public enum BulkOutcome
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>Not applicable to the run in its state (the reason says why); nothing changed.</summary>
    Skipped,

    /// <summary>Failed (the reason says why); nothing changed for this run.</summary>
    Error,

    /// <summary>Refused by the run's approval policy (the reason says why); nothing changed for this run.</summary>
    Refused,
}

/// <summary>A bulk operation: an action applied to the runs named by <see cref="Ids"/> or matching <see cref="Filter"/>.</summary>
/// <param name="Action">The action.</param>
/// <param name="Actor">Who asks.</param>
/// <param name="Ids">The runs, or null to select them with <paramref name="Filter"/>.</param>
/// <param name="Filter">The runs list's filter (its paging is ignored), or null.</param>
/// <param name="Comment">A comment for each run's audit (and the approval decision).</param>
public sealed record BulkRequest(BulkAction Action, string Actor, IReadOnlyList<Guid>? Ids, RunFilter? Filter, string? Comment)
{
    /// <summary>The most runs one request acts on.</summary>
    public const int MaxRuns = 10_000;

    /// <summary>Gets the roles the requester holds, for approval policies. Default is none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the requester's groups from single sign-on, for approval policies. Default is none.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}

/// <summary>The result for one run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Result">Ok, skipped or error.</param>
/// <param name="Reason">Why it was skipped or failed; null when ok.</param>
public sealed record BulkRunResult(Guid RunId, BulkOutcome Result, string? Reason = null);

/// <summary>The result of a bulk operation.</summary>
/// <param name="BulkId">The operation's id, written in the audit of every run it changed.</param>
/// <param name="Action">The action.</param>
/// <param name="Results">One result per selected run, in the order of the ids (or newest first for a filter).</param>
public sealed record BulkResult(string BulkId, BulkAction Action, IReadOnlyList<BulkRunResult> Results)
{
    /// <summary>Gets how many runs were selected.</summary>
    public int Total => Results.Count;

    /// <summary>Gets how many were done.</summary>
    public int Ok => Results.Count(r => r.Result == BulkOutcome.Ok);

    /// <summary>Gets how many were skipped.</summary>
    public int Skipped => Results.Count(r => r.Result == BulkOutcome.Skipped);

    /// <summary>Gets how many failed.</summary>
    public int Errors => Results.Count(r => r.Result == BulkOutcome.Error);

    /// <summary>Gets how many an approval policy refused.</summary>
    public int Refused => Results.Count(r => r.Result == BulkOutcome.Refused);
}

/// <summary>Acts on many runs in one request.</summary>
public interface IRunBulkCommands
{
    /// <summary>
    /// Applies the action to each selected run, each in its own transaction (one run's failure changes no other), and
    /// writes in the audit of each run it changed that it was part of this bulk operation and who asked.
    /// </summary>
    /// <exception cref="InputValidationException">Neither or both of ids and filter, or more than <see cref="BulkRequest.MaxRuns"/> runs.</exception>
    Task<BulkResult> BulkAsync(BulkRequest request, CancellationToken cancellationToken = default);
}
