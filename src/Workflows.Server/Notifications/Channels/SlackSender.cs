using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.Server.Notifications.Channels;

/// <summary>
/// Posts a Slack-compatible incoming-webhook payload (<c>text</c> plus <c>blocks</c>; Mattermost, Rocket.Chat and
/// Teams' Slack-compatible hooks read it too), with the delivery id in the <c>X-Workflows-Delivery</c> header and in
/// the context block.
/// </summary>
public sealed class SlackSender(IHttpClientFactory http, TimeProvider clock) : INotificationSender
{
    /// <inheritdoc />
    public string Type => "slack";

    /// <summary>Returns the Slack payload of a notification.</summary>
    public static JsonObject Render(NotificationMessage m)
    {
        var text = Escape(m.Summary);
        var link = m.Approval?.ApproveUrl is { } approve ? $"<{approve}|Approve or reject>"
            : m.Run.Url is { } url ? $"<{url}|Open the run>"
            : null;
        var blocks = new JsonArray(
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{Escape(m.Event)}* · {text}" + (link is null ? "" : $"\n{link}") } },
            new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = $"workflow `{Escape(m.Run.Workflow)}` · run `{m.Run.Id}` · status {m.Run.Status} · delivery {m.DeliveryId}" }),
            });
        return new JsonObject { ["text"] = text, ["blocks"] = blocks };
    }

    /// <inheritdoc />
    public Task SendAsync(NotificationMessage message, string payload, NotificationChannelOptions channel, CancellationToken cancellationToken) =>
        WebhookSender.PostAsync(http, channel, message, Encoding.UTF8.GetBytes(Render(message).ToJsonString()), secret: null, clock, cancellationToken);

    // Slack's mrkdwn needs only these three escaped.
    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
