using System.Data;
using Dapper;
using Npgsql;

namespace Workflows.Engine.Storage;

/// <summary>
/// The queue wake-up's statements on PostgreSQL: a <c>NOTIFY</c> when a job is queued and the one <c>LISTEN</c> of a
/// server (see <see cref="Execution.QueueWakeUp"/>). SQLite has neither; the engine polls there.
/// </summary>
public static class QueueNotifications
{
    /// <summary>The notification channel; the payload is the queue name.</summary>
    public const string Channel = "workflows_job_queued";

    /// <summary>
    /// Announces a job queued on <paramref name="queue"/>, inside the caller's transaction: PostgreSQL delivers it when
    /// that transaction commits and drops it when it rolls back, so no server wakes up for a job that was never queued.
    /// </summary>
    /// <param name="connection">The connection of Hangfire's write transaction (PostgreSQL).</param>
    /// <param name="queue">The queue's name.</param>
    public static void NotifyQueued(IDbConnection connection, string queue) =>
        connection.Execute("SELECT pg_notify(@channel, @queue)", new { channel = Channel, queue });

    /// <summary>
    /// Opens a listening connection of its own (unpooled, with TCP keep-alive: it lives as long as the server and must
    /// not count against either pool) that raises <paramref name="onQueued"/> with the queue's name for each job queued
    /// by any server from now on. The caller waits on it (<see cref="NpgsqlConnection.WaitAsync(CancellationToken)"/>)
    /// and disposes it.
    /// </summary>
    /// <param name="connectionString">The engine's PostgreSQL connection string.</param>
    /// <param name="onQueued">Called with the queue's name, on the thread that waits.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    public static async Task<NpgsqlConnection> ListenAsync(string connectionString, Action<string> onQueued, CancellationToken cancellationToken)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 }.ConnectionString;
        var c = new NpgsqlConnection(cs);
        try
        {
            c.Notification += (_, e) => onQueued(e.Payload);
            await c.OpenAsync(cancellationToken);
            await using var cmd = new NpgsqlCommand($"LISTEN {Channel}", c);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }
}
