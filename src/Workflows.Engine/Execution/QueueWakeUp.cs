using System.Data;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Wakes this server's idle Hangfire workers when any server queues a job, with one PostgreSQL <c>LISTEN</c>
/// per server. Hangfire.PostgreSql's own long polling opens one listening connection per worker
/// (20 workers: 20 connections doing nothing), which made a server's connection count grow with its workers.
/// </summary>
/// <remarks>
/// A wake-up cancels the current generation's token and starts a new one. A worker takes the token
/// <em>before</em> it looks at the queue, so a job queued between its look and its wait cancels the token it
/// is about to wait on: no wake-up is lost. Without the listener (connection lost) workers still poll every
/// <c>QueuePollInterval</c>.
/// </remarks>
public sealed class QueueWakeUp : IDisposable
{
    /// <summary>The notification channel; the payload is the queue name.</summary>
    public const string Channel = QueueNotifications.Channel;

    private readonly Lock gate = new();
    private CancellationTokenSource current = new();

    /// <summary>Gets the token of the current generation; it is cancelled by the next wake-up.</summary>
    public CancellationToken Token
    {
        get
        {
            lock (gate)
            {
                return current.Token;
            }
        }
    }

    /// <summary>Gets how many wake-ups were signalled (diagnostics and tests).</summary>
    public long Signals => Interlocked.Read(ref signals);

    private long signals;

    /// <summary>Wakes every worker waiting on the current generation.</summary>
    public void Signal()
    {
        CancellationTokenSource previous;
        lock (gate)
        {
            previous = current;
            current = new CancellationTokenSource();
        }

        Interlocked.Increment(ref signals);
        // Not disposed: a worker may still be linking to its token (a cancelled source needs no disposal).
        previous.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            current.Dispose();
        }
    }
}

/// <summary>Hangfire.PostgreSql's queue, plus a NOTIFY on enqueue and a wake-up on that notification while dequeuing.</summary>
/// <param name="inner">The stock provider.</param>
/// <param name="wakeUp">This server's wake-up.</param>
public sealed class WakeUpQueueProvider(IPersistentJobQueueProvider inner, QueueWakeUp wakeUp) : IPersistentJobQueueProvider
{
    /// <inheritdoc />
    public IPersistentJobQueue GetJobQueue() => new Queue(inner.GetJobQueue(), wakeUp);

    /// <inheritdoc />
    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => inner.GetJobQueueMonitoringApi();

    private sealed class Queue(IPersistentJobQueue inner, QueueWakeUp wakeUp) : IPersistentJobQueue
    {
        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wakeUp.Token);
                try
                {
                    return inner.Dequeue(queues, wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Woken up: look at the queue again.
                }
            }
        }

        public void Enqueue(IDbConnection connection, string queue, string jobId)
        {
            inner.Enqueue(connection, queue, jobId);

            // Inside Hangfire's write transaction: delivered when it commits, dropped when it rolls back.
            QueueNotifications.NotifyQueued(connection, queue);
        }
    }
}

/// <summary>The one listening connection of a server on PostgreSQL: turns notifications into <see cref="QueueWakeUp.Signal"/>.</summary>
/// <param name="database">The engine's database; on SQLite the listener does nothing.</param>
/// <param name="wakeUp">This server's wake-up.</param>
/// <param name="time">The clock for reconnect delays.</param>
/// <param name="logger">The logger.</param>
public sealed class QueueWakeUpListener(EngineDatabase database, QueueWakeUp wakeUp, TimeProvider time, ILogger<QueueWakeUpListener> logger) : BackgroundService
{
    /// <summary>Gets or sets how long to wait before listening again after the connection was lost. Default is 5 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Kind != DatabaseKind.Postgres)
        {
            return;
        }

        var lost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var c = await QueueNotifications.ListenAsync(database.ConnectionString, _ => wakeUp.Signal(), stoppingToken);
                if (lost)
                {
                    logger.LogInformation("Queue wake-up listener connected again");
                    lost = false;
                }

                // Jobs queued while not listening are found now rather than at the next poll.
                wakeUp.Signal();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await c.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                if (!lost)
                {
                    logger.LogWarning("Queue wake-up listener lost its connection ({Error}); idle workers poll until it is back", e.Message);
                    lost = true;
                }

                try
                {
                    await Task.Delay(ReconnectDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
