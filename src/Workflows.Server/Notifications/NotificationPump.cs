using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Options;
using Workflows.Engine;
using Workflows.Engine.Storage;

namespace Workflows.Server.Notifications;

/// <summary>
/// Hands due notifications to Hangfire: leases them (one statement, so of several servers one wins each) and
/// enqueues a <see cref="NotificationJob"/> per notification. Wakes when a transaction of this server committed
/// notifications, and every <see cref="NotificationOptions.PollInterval"/> for retries that came due and for the
/// deliveries of servers that died (their lease ran out).
/// </summary>
public sealed class NotificationPump(
    RunStore store,
    IBackgroundJobClient jobs,
    NotificationSignal signal,
    IOptionsMonitor<NotificationOptions> options,
    IOptions<EngineOptions> engine,
    TimeProvider clock,
    ILogger<NotificationPump> logger) : BackgroundService
{
    private const int Batch = 100;

    /// <summary>Leases the due notifications and enqueues their jobs; returns how many.</summary>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var now = clock.GetUtcNow();
        var ids = await store.ClaimDueNotificationsAsync(now.ToUnixTimeMilliseconds(), (now + o.Lease).ToUnixTimeMilliseconds(), Batch, cancellationToken);
        var queue = engine.Value.Queue;
        foreach (var id in ids)
        {
            jobs.Create(Job.FromExpression<NotificationJob>(j => j.DeliverAsync(id, CancellationToken.None), queue), new EnqueuedState(queue));
        }

        return ids.Count;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await PumpOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not hand due notifications to the job queue; trying again");
            }

            if (claimed < Batch)
            {
                try
                {
                    await signal.WaitAsync(options.CurrentValue.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
