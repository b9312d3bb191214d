using System.Diagnostics.Metrics;
using Workflows.Engine.Telemetry;

namespace Workflows.Server.Telemetry;

/// <summary>The server's own instruments on the <c>Workflows</c> meter (the engine's are in <see cref="EngineMetrics"/>).</summary>
public sealed class ServerMetrics
{
    private readonly Counter<long> webhookDeliveries;
    private readonly Counter<long> notifications;

    /// <summary>Initializes a new instance of the <see cref="ServerMetrics"/> class.</summary>
    /// <param name="meters">Creates the meter.</param>
    public ServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(EngineTelemetry.MeterName);
        webhookDeliveries = meter.CreateCounter<long>("workflows.webhook.deliveries", "{delivery}", "Incoming webhook deliveries, by hook and result (accepted, duplicate, ignored, invalid, rejected, rate-limited, too-large, failed, not-found)");
        notifications = meter.CreateCounter<long>("workflows.notifications", "{attempt}", "Notification delivery attempts, by channel and result (delivered, failed, gave-up)");
    }

    /// <summary>Counts one delivery.</summary>
    /// <param name="hook">The hook's configured name, or <c>unknown</c> for a name no hook has (so a scan cannot grow the label set).</param>
    /// <param name="result">The delivery's outcome.</param>
    public void WebhookDelivered(string hook, string result) =>
        webhookDeliveries.Add(1, new("hook", hook), new("result", result));

    /// <summary>Counts one notification delivery attempt.</summary>
    /// <param name="channel">The configured channel's name.</param>
    /// <param name="result">delivered, failed (will retry) or gave-up.</param>
    public void NotificationDelivered(string channel, string result) =>
        notifications.Add(1, new("channel", channel), new("result", result));
}
