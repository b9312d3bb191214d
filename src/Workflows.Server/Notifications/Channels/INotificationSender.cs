namespace Workflows.Server.Notifications.Channels;

/// <summary>Sends a notification over one kind of channel (webhook, slack, email).</summary>
/// <remarks>
/// <note type="implement">
/// Delivery is at least once: a send may be repeated after a crash or a timeout, always with the same
/// <see cref="NotificationMessage.DeliveryId"/>, which the sender must pass on (a header, the Message-ID) so the
/// receiver can drop the repeat. Throw <see cref="NotificationDeliveryException"/> with a reason that holds no
/// secret (no URL path, no token, no password) when the receiver did not accept it.
/// </note>
/// </remarks>
public interface INotificationSender
{
    /// <summary>Gets the channel type this sender serves (<c>webhook</c>, <c>slack</c> or <c>email</c>).</summary>
    string Type { get; }

    /// <summary>Sends <paramref name="message"/> (whose stored JSON is <paramref name="payload"/>) over <paramref name="channel"/>.</summary>
    Task SendAsync(NotificationMessage message, string payload, NotificationChannelOptions channel, CancellationToken cancellationToken);
}

/// <summary>A receiver did not accept a notification; the message says why, without secrets.</summary>
public sealed class NotificationDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
