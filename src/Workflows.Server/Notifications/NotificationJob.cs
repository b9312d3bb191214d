using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.Extensions.Options;
using Workflows.Engine.Storage;
using Workflows.Server.Notifications.Channels;
using Workflows.Server.Telemetry;

namespace Workflows.Server.Notifications;

/// <summary>
/// The Hangfire job that makes one delivery attempt of one notification (the job carries its id only) and records
/// the outcome with its audit event: delivered, failed (with the reason and the next attempt, after an exponential
/// backoff), or given up after <see cref="NotificationOptions.MaxAttempts"/>.
/// </summary>
/// <remarks>
/// At least once: a job may run twice (a crash after the receiver accepted, before the outcome committed); the
/// receiver drops the repeat by its delivery id, and only the first recorded outcome is audited.
/// Hangfire's own retries are off: the backoff, the give-up and their audit are ours.
/// </remarks>
public sealed class NotificationJob(
    RunStore store,
    IEnumerable<INotificationSender> senders,
    IOptionsMonitor<NotificationOptions> options,
    TimeProvider clock,
    ServerMetrics metrics,
    ILogger<NotificationJob> logger)
{
    /// <summary>Makes one delivery attempt of notification <paramref name="id"/>.</summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("notify {0}")]
    public async Task DeliverAsync(string id, CancellationToken cancellationToken)
    {
        var row = await store.GetNotificationAsync(id, cancellationToken);
        if (row is null || row.Status != NotificationStatus.Pending)
        {
            return; // delivered or given up by an earlier job
        }

        var o = options.CurrentValue;
        var attempt = row.Attempts + 1;
        string? failure = null;
        o.Channels.TryGetValue(row.Channel, out var channel);
        var sender = channel is null ? null : senders.FirstOrDefault(s => string.Equals(s.Type, channel.Type, StringComparison.OrdinalIgnoreCase));
        if (channel is null || sender is null)
        {
            failure = $"channel '{row.Channel}' is not configured (Workflows:Notifications:Channels)";
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(o.Timeout);
            try
            {
                await sender.SendAsync(NotificationMessage.Parse(row.Payload), row.Payload, channel, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {o.Timeout.TotalSeconds:0.#} s";
            }
            catch (NotificationDeliveryException e)
            {
                failure = Redact(e.Message, channel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Only the type: an unexpected exception's message might quote what it was given.
                failure = $"{e.GetType().Name} while sending";
                logger.LogWarning("Notification {DeliveryId} to channel {Channel}: unexpected {ExceptionType}", id, row.Channel, e.GetType().FullName);
            }
        }

        var now = clock.GetUtcNow();
        var permanent = channel is null || sender is null;
        string kind, message, result;
        if (failure is null)
        {
            row.Status = NotificationStatus.Delivered;
            row.DeliveredAt = now.ToUnixTimeMilliseconds();
            row.LastError = null;
            (kind, result) = ("notification.delivered", "delivered");
            message = $"Notification {row.Event} delivered to '{row.Channel}' (attempt {attempt})";
        }
        else if (attempt >= o.MaxAttempts || permanent)
        {
            row.Status = NotificationStatus.GaveUp;
            row.LastError = failure;
            (kind, result) = ("notification.gave-up", "gave-up");
            message = $"Notification {row.Event} to '{row.Channel}' given up after attempt {attempt}/{o.MaxAttempts}: {failure}";
        }
        else
        {
            var delay = Backoff(o, attempt);
            row.NextAt = (now + delay).ToUnixTimeMilliseconds();
            row.LastError = failure;
            (kind, result) = ("notification.failed", "failed");
            message = $"Notification {row.Event} to '{row.Channel}' attempt {attempt}/{o.MaxAttempts} failed: {failure}; next attempt in {delay.TotalSeconds:0.#} s";
        }

        row.Attempts = attempt;
        var data = new JsonObject { ["deliveryId"] = id, ["channel"] = row.Channel, ["event"] = row.Event, ["attempt"] = attempt, ["result"] = result };
        if (failure is not null)
        {
            data["reason"] = failure;
        }

        var audit = new AuditRow { RunId = row.RunId, At = now.ToUnixTimeMilliseconds(), Kind = kind, Actor = "notifications", Message = message, Data = data.ToJsonString() };
        if (await store.RecordNotificationAttemptAsync(row, audit, CancellationToken.None))
        {
            metrics.NotificationDelivered(row.Channel, result);
            if (failure is null)
            {
                logger.LogInformation("Notification {DeliveryId} ({Event} of run {RunId}) delivered to channel {Channel} on attempt {Attempt}", id, row.Event, row.RunId, row.Channel, attempt);
            }
            else
            {
                logger.LogWarning("Notification {DeliveryId} ({Event} of run {RunId}) to channel {Channel}, attempt {Attempt}: {Reason}", id, row.Event, row.RunId, row.Channel, attempt, failure);
            }
        }
    }

    /// <summary>Returns the wait after attempt <paramref name="attempt"/> failed: the initial delay, doubled each time, at most the maximum.</summary>
    public static TimeSpan Backoff(NotificationOptions options, int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var ms = Math.Min(options.InitialDelay.TotalMilliseconds * factor, options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Removes the channel's secrets (signing secret, password, URL path with its token) from a reason.</summary>
    internal static string Redact(string reason, NotificationChannelOptions channel)
    {
        foreach (var secret in channel.SecretValues().Where(s => s.Length >= 4).OrderByDescending(s => s.Length))
        {
            reason = reason.Replace(secret, Abstractions.Secrets.Secret.Mask, StringComparison.Ordinal);
        }

        return reason;
    }
}
