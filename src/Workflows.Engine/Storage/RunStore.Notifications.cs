using Dapper;

namespace Workflows.Engine.Storage;

/// <summary>The notification outbox: claiming due deliveries and recording their outcome with its audit event.</summary>
public sealed partial class RunStore
{
    private const string NotificationColumns = "id, run_id, event, channel, payload, status, attempts, next_at, lease_until, last_error, created_at, delivered_at";

    /// <summary>
    /// Leases up to <paramref name="max"/> pending notifications that are due and not leased (or whose lease ran out:
    /// the server delivering them died) until <paramref name="leaseUntil"/>, and returns their ids.
    /// </summary>
    /// <remarks>One statement: of several servers polling at once, each notification goes to one.</remarks>
    public async Task<List<string>> ClaimDueNotificationsAsync(long now, long leaseUntil, int max, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var ids = await c.QueryAsync<string>(
            """
            UPDATE wf_notifications SET lease_until = @leaseUntil
            WHERE id IN (SELECT id FROM wf_notifications WHERE status = 'Pending' AND next_at <= @now AND (lease_until IS NULL OR lease_until < @now) ORDER BY next_at LIMIT @max)
              AND status = 'Pending' AND (lease_until IS NULL OR lease_until < @now)
            RETURNING id
            """,
            new { now, leaseUntil, max });
        return ids.ToList();
    }

    /// <summary>Reads a notification, or null.</summary>
    public async Task<NotificationRow?> GetNotificationAsync(string id, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<NotificationRow>($"SELECT {NotificationColumns} FROM wf_notifications WHERE id = @id", new { id });
    }

    /// <summary>Lists a run's notifications, oldest first.</summary>
    public async Task<List<NotificationRow>> ListNotificationsAsync(string runId, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        var rows = await c.QueryAsync<NotificationRow>($"SELECT {NotificationColumns} FROM wf_notifications WHERE run_id = @runId ORDER BY created_at, id", new { runId });
        return rows.ToList();
    }

    /// <summary>
    /// Records one delivery attempt of a pending notification — its new status, attempt count, next due time and error —
    /// together with its audit event, and releases the lease. Does nothing (returns false) when it is no longer pending.
    /// </summary>
    public async Task<bool> RecordNotificationAttemptAsync(NotificationRow row, AuditRow audit, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await using var tx = await Database.BeginAsync(c, ct);
        var changed = await c.ExecuteAsync(
            "UPDATE wf_notifications SET status = @Status, attempts = @Attempts, next_at = @NextAt, lease_until = NULL, last_error = @LastError, delivered_at = @DeliveredAt WHERE id = @Id AND status = 'Pending'",
            row,
            tx);
        if (changed == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        var batch = new WriteBatch(c, tx);
        InsertAudit(batch, [audit]);
        await batch.ExecuteAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static void InsertNotifications(WriteBatch batch, IReadOnlyList<NotificationRow> rows)
    {
        foreach (var n in rows)
        {
            // The id is stable per event and channel, so a repeat of the same event adds nothing.
            batch.Add($"INSERT INTO wf_notifications ({NotificationColumns}) VALUES ({Params(NotificationColumns)}) ON CONFLICT (id) DO NOTHING", n);
        }
    }
}
