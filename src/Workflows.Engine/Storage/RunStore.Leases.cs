using Dapper;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Storage;

/// <summary>What renewing a running step's lease found.</summary>
/// <param name="Renewed">Whether the lease was extended: false when the step is no longer this dispatch's or no longer Running (another server took it over, or it ended).</param>
/// <param name="Status">The run's status, or null when the run is gone.</param>
public readonly record struct LeaseRenewal(bool Renewed, RunStatus? Status);

/// <content>Step leases: renewing the lease of a running step, and finding the leases that ran out.</content>
public sealed partial class RunStore
{
    /// <summary>
    /// Extends the lease of a running step to <paramref name="leaseUntil"/> if it is still dispatch <paramref name="seq"/>'s,
    /// and reads the run's status (two statements, one connection).
    /// </summary>
    public async Task<LeaseRenewal> RenewLeaseAsync(string runId, string stepId, long seq, long leaseUntil, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var renewed = await c.ExecuteAsync("UPDATE wf_steps SET lease_until = @leaseUntil WHERE run_id = @runId AND step_id = @stepId AND dispatch_seq = @seq AND status = 'Running'", new { runId, stepId, seq, leaseUntil });
        var status = await c.ExecuteScalarAsync<string>("SELECT status FROM wf_runs WHERE id = @runId", new { runId });
        return new LeaseRenewal(renewed == 1, status is null ? null : Enum.Parse<RunStatus>(status));
    }

    /// <summary>
    /// Finds up to <paramref name="max"/> running steps whose lease ended before <paramref name="now"/> (their worker was
    /// lost), and the earliest end of a lease still running (null when no step runs): nothing can be lost before then.
    /// One statement on the sweep index, whatever the number of waiting steps.
    /// </summary>
    public async Task<(List<(string RunId, string StepId)> Expired, long? NextExpiry)> FindExpiredLeasesAsync(long now, int max, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var rows = await c.QueryAsync<(string? RunId, string? StepId, long? LeaseUntil)>(
            """
            SELECT run_id, step_id, lease_until FROM (SELECT run_id, step_id, lease_until FROM wf_steps WHERE status = 'Running' AND lease_until < @now ORDER BY lease_until LIMIT @max) expired
            UNION ALL
            SELECT NULL, NULL, min(lease_until) FROM wf_steps WHERE status = 'Running' AND lease_until >= @now
            """,
            new { now, max });
        var expired = new List<(string, string)>();
        long? next = null;
        foreach (var (runId, stepId, leaseUntil) in rows)
        {
            if (runId is null || stepId is null)
            {
                next = leaseUntil;
            }
            else
            {
                expired.Add((runId, stepId));
            }
        }

        return (expired, next);
    }
}
