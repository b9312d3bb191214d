using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;

namespace Workflows.Server.Notifications.Channels;

/// <summary>
/// Posts the notification's JSON to a URL, signed like our own incoming generic webhooks: <c>X-Timestamp</c> (unix
/// seconds) and <c>X-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))</c>, with the delivery id in
/// <c>X-Workflows-Delivery</c> and the event in <c>X-Workflows-Event</c>.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory http, TimeProvider clock) : INotificationSender
{
    /// <summary>The name of the HTTP client (no automatic retries, no redirects to follow blindly).</summary>
    public const string HttpClientName = "notifications";

    /// <summary>The header that carries the delivery id.</summary>
    public const string DeliveryHeader = "X-Workflows-Delivery";

    /// <summary>The header that carries the event.</summary>
    public const string EventHeader = "X-Workflows-Event";

    /// <inheritdoc />
    public string Type => "webhook";

    /// <inheritdoc />
    public Task SendAsync(NotificationMessage message, string payload, NotificationChannelOptions channel, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        return PostAsync(http, channel, message, body, channel.Secret is { Length: > 0 } s ? new Secret(s) : null, clock, cancellationToken);
    }

    /// <summary>Posts <paramref name="body"/> with the delivery headers (signed when <paramref name="secret"/> is set); throws <see cref="NotificationDeliveryException"/> unless the answer is 2xx.</summary>
    internal static async Task PostAsync(IHttpClientFactory http, NotificationChannelOptions channel, NotificationMessage message, byte[] body, Secret? secret, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(DeliveryHeader, message.DeliveryId);
        request.Headers.Add(EventHeader, message.Event);
        if (secret is not null)
        {
            var ts = clock.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.Add(WebhookSignatures.TimestampHeader, ts.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookSignatures.GenericHeader, WebhookSignatures.SignGeneric(secret, ts, body));
        }

        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            // The message names host and port at most (never the path, which may hold a token); the caller redacts anyway.
            throw new NotificationDeliveryException($"could not reach {channel.Url!.Host}:{channel.Url.Port}: {e.HttpRequestError} ({e.Message})", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new NotificationDeliveryException($"the receiver answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
    }
}
