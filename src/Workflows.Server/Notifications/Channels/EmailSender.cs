using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Workflows.Server.Notifications.Channels;

/// <summary>
/// Sends the notification as a plain-text e-mail over SMTP with MailKit (STARTTLS or TLS and authentication from the
/// channel's settings). The delivery id is the Message-ID (<c>&lt;{id}@workflows&gt;</c>) and the
/// <c>X-Workflows-Delivery</c> header, so a repeat after a crash is recognizable.
/// </summary>
public sealed class EmailSender : INotificationSender
{
    /// <inheritdoc />
    public string Type => "email";

    /// <summary>Returns the e-mail of a notification.</summary>
    public static MimeMessage Render(NotificationMessage m, NotificationChannelOptions channel)
    {
        var mail = new MimeMessage { MessageId = $"{m.DeliveryId}@workflows", Subject = $"[workflows] {m.Event}: {m.Run.Workflow} ({m.Run.Status.ToLowerInvariant()})" };
        mail.From.Add(MailboxAddress.Parse(channel.From!));
        foreach (var to in channel.To)
        {
            mail.To.Add(MailboxAddress.Parse(to));
        }

        mail.Headers.Add(WebhookSender.DeliveryHeader, m.DeliveryId);
        mail.Headers.Add(WebhookSender.EventHeader, m.Event);
        var body = new StringBuilder().AppendLine(m.Summary).AppendLine();
        body.AppendLine($"Workflow:  {m.Run.Workflow} (version {m.Run.Version})");
        body.AppendLine($"Run:       {m.Run.Id}");
        body.AppendLine($"Status:    {m.Run.Status}");
        body.AppendLine($"Started by {m.Run.TriggeredBy} ({m.Run.TriggerKind})");
        if (m.Run.Error is { } error)
        {
            body.AppendLine($"Error:     {error}");
        }

        if (m.Approval is { } a)
        {
            body.AppendLine($"Approval step: {a.StepId}");
            if (a.Message is { } q)
            {
                body.AppendLine($"Question:  {q}");
            }

            if (m.Event == Abstractions.Definitions.NotificationEvents.ApprovalWaiting && a.ApproveUrl is { } approve)
            {
                body.AppendLine().AppendLine($"Approve or reject: {approve}");
            }
        }

        if (m.Run.Url is { } url)
        {
            body.AppendLine().AppendLine($"Open the run: {url}");
        }

        body.AppendLine().AppendLine($"Delivery {m.DeliveryId} at {m.OccurredAt:u}");
        mail.Body = new TextPart("plain") { Text = body.ToString() };
        return mail;
    }

    /// <inheritdoc />
    public async Task SendAsync(NotificationMessage message, string payload, NotificationChannelOptions channel, CancellationToken cancellationToken)
    {
        var security = channel.Security.ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttlswhenavailable" => SecureSocketOptions.StartTlsWhenAvailable,
            "sslonconnect" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        using var smtp = new SmtpClient();
        using var trusted = channel.TrustedCertificate is { } pem ? X509CertificateLoader.LoadCertificateFromFile(pem) : null;
        if (trusted is not null)
        {
            smtp.ServerCertificateValidationCallback = (_, certificate, _, errors) => Trusts(trusted, certificate, errors);
        }

        try
        {
            await smtp.ConnectAsync(channel.Host!, channel.Port, security, cancellationToken);
            if (channel.UserName is { } user)
            {
                await smtp.AuthenticateAsync(user, channel.Password ?? "", cancellationToken);
            }

            await smtp.SendAsync(Render(message, channel), cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (AuthenticationException e)
        {
            // MailKit's message quotes the server's answer, never the password; the caller redacts anyway.
            throw new NotificationDeliveryException($"SMTP authentication as '{channel.UserName}' failed at {channel.Host}:{channel.Port}: {e.Message}", e);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or System.Net.Sockets.SocketException or IOException or SslHandshakeException)
        {
            throw new NotificationDeliveryException($"SMTP delivery to {channel.Host}:{channel.Port} failed: {e.Message}", e);
        }
    }

    /// <summary>Accepts a certificate the system trusts, or one that chains to <paramref name="trusted"/> (and names the host).</summary>
    private static bool Trusts(X509Certificate2 trusted, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
