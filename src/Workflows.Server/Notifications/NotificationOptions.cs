using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;

namespace Workflows.Server.Notifications;

/// <summary>Notification channels, global rules and delivery settings, bound from <c>Workflows:Notifications</c>.</summary>
public sealed class NotificationOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Workflows:Notifications";

    /// <summary>
    /// Gets or sets the server's address as users reach it (e.g. <c>https://workflows.example.com</c>), for the links in
    /// notifications (the run page, where to approve). Default is null: notifications carry no links.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Gets or sets the channels by name (rules and <c>notify:</c> blocks name them). Default is none.</summary>
    public Dictionary<string, NotificationChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the global rules (a definition's <c>notify:</c> adds to them). Default is none.</summary>
    public List<NotificationRuleOptions> Rules { get; set; } = [];

    /// <summary>Gets or sets how many times a delivery is tried before it is given up. Default is 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Gets or sets the wait before the second attempt; each later wait doubles, up to <see cref="MaxDelay"/>. Default is 5 seconds.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest wait between two attempts. Default is 10 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how long one attempt may take (connect, send, answer). Default is 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a server owns a delivery it picked up; when it dies, another (or itself after a restart)
    /// takes the delivery over after this. Must exceed <see cref="Timeout"/>. Default is 2 minutes.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets how often due deliveries are looked for (new ones are picked up at once on the server that
    /// wrote them; this catches retries and the work of servers that died). Default is 2 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>A notification channel (<c>Workflows:Notifications:Channels:{name}</c>).</summary>
public sealed class NotificationChannelOptions
{
    /// <summary>Gets or sets the kind: <c>webhook</c> (signed JSON), <c>slack</c> (Slack-compatible incoming webhook) or <c>email</c> (SMTP). Default is empty (invalid).</summary>
    public string Type { get; set; } = "";

    /// <summary>Gets or sets the address a webhook or Slack channel posts to. Treated as a secret (Slack's carries its token): never logged. Default is null.</summary>
    public Uri? Url { get; set; }

    /// <summary>Gets or sets the webhook's signing secret (HMAC-SHA256 in <c>X-Signature</c> over <c>timestamp + "." + body</c>). Never logged. Default is null: unsigned.</summary>
    public string? Secret { get; set; }

    /// <summary>Gets or sets the SMTP server's host name. Default is null.</summary>
    public string? Host { get; set; }

    /// <summary>Gets or sets the SMTP port. Default is 587 (submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary>
    /// Gets or sets the SMTP transport security: <c>StartTls</c> (required), <c>StartTlsWhenAvailable</c>, <c>SslOnConnect</c>
    /// (port 465) or <c>None</c>. Default is <c>StartTls</c>.
    /// </summary>
    public string Security { get; set; } = "StartTls";

    /// <summary>
    /// Gets or sets a PEM file with the certificate (or the CA) the SMTP server's TLS certificate must chain to, for
    /// servers with a private CA or a self-signed certificate; null trusts the system's CAs only. Default is null.
    /// </summary>
    public string? TrustedCertificate { get; set; }

    /// <summary>Gets or sets the SMTP user name; null to send without authenticating. Default is null.</summary>
    public string? UserName { get; set; }

    /// <summary>Gets or sets the SMTP password. Never logged. Default is null.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets the sender address of e-mails. Default is null.</summary>
    public string? From { get; set; }

    /// <summary>Gets or sets the recipients of e-mails. Default is none.</summary>
    public List<string> To { get; set; } = [];

    /// <summary>Gets the values of this channel that must never appear in a log, the audit or an error.</summary>
    internal IEnumerable<string> SecretValues()
    {
        if (!string.IsNullOrEmpty(Secret))
        {
            yield return Secret;
        }

        if (!string.IsNullOrEmpty(Password))
        {
            yield return Password;
        }

        if (Url is not null)
        {
            yield return Url.ToString();
            if (Url.PathAndQuery.Length > 1)
            {
                yield return Url.PathAndQuery;
            }
        }
    }
}

/// <summary>A global notification rule (<c>Workflows:Notifications:Rules:N</c>).</summary>
public sealed class NotificationRuleOptions
{
    /// <summary>Gets or sets the events (see <see cref="NotificationEvents"/>); empty means every event. Default is every event.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>Gets or sets the workflows the rule applies to: names, or patterns with <c>*</c> (e.g. <c>install-*</c>); empty means every workflow. Default is every workflow.</summary>
    public List<string> Workflows { get; set; } = [];

    /// <summary>Gets or sets the channel that receives the events. Default is null (use <see cref="Channels"/>).</summary>
    public string? Channel { get; set; }

    /// <summary>Gets or sets more channels that receive the events. Default is none.</summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>Gets every channel of the rule.</summary>
    internal IEnumerable<string> AllChannels() => Channel is { Length: > 0 } c ? Channels.Prepend(c) : Channels;
}

/// <summary>Checks the notification settings at start; every message names the setting and the problem.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    private static readonly string[] Types = ["webhook", "slack", "email"];
    private static readonly string[] Securities = ["StartTls", "StartTlsWhenAvailable", "SslOnConnect", "None"];

    public ValidateOptionsResult Validate(string? name, NotificationOptions o)
    {
        var errors = new List<string>();
        const string S = NotificationOptions.Section;
        if (o.PublicBaseUrl is { } b && (!b.IsAbsoluteUri || b.Scheme is not ("http" or "https")))
        {
            errors.Add($"{S}:PublicBaseUrl must be an absolute http or https address, e.g. https://workflows.example.com.");
        }

        if (o.MaxAttempts < 1)
        {
            errors.Add($"{S}:MaxAttempts must be at least 1.");
        }

        if (o.InitialDelay <= TimeSpan.Zero || o.MaxDelay < o.InitialDelay)
        {
            errors.Add($"{S}:InitialDelay must be positive and {S}:MaxDelay at least as long.");
        }

        if (o.Timeout <= TimeSpan.Zero || o.Lease <= o.Timeout)
        {
            errors.Add($"{S}:Timeout must be positive and {S}:Lease longer than it.");
        }

        if (o.PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{S}:PollInterval must be positive.");
        }

        foreach (var (channel, c) in o.Channels)
        {
            var at = $"{S}:Channels:{channel}";
            switch (c.Type.ToLowerInvariant())
            {
                case "webhook" or "slack":
                    if (c.Url is not { IsAbsoluteUri: true } u || u.Scheme is not ("http" or "https"))
                    {
                        errors.Add($"{at}:Url must be an absolute http or https address.");
                    }

                    break;
                case "email":
                    if (string.IsNullOrWhiteSpace(c.Host))
                    {
                        errors.Add($"{at}:Host is required (the SMTP server).");
                    }

                    if (c.Port is < 1 or > 65535)
                    {
                        errors.Add($"{at}:Port must be between 1 and 65535.");
                    }

                    if (!Securities.Contains(c.Security, StringComparer.OrdinalIgnoreCase))
                    {
                        errors.Add($"{at}:Security must be one of {string.Join(", ", Securities)}.");
                    }

                    if (!MimeKit.MailboxAddress.TryParse(c.From ?? "", out _))
                    {
                        errors.Add($"{at}:From must be an e-mail address.");
                    }

                    if (c.To.Count == 0 || c.To.Any(t => !MimeKit.MailboxAddress.TryParse(t, out _)))
                    {
                        errors.Add($"{at}:To must list at least one e-mail address, and only addresses.");
                    }

                    if (c.TrustedCertificate is { } pem && !File.Exists(pem))
                    {
                        errors.Add($"{at}:TrustedCertificate: the file '{pem}' does not exist.");
                    }

                    if (c.UserName is not null && string.IsNullOrEmpty(c.Password))
                    {
                        errors.Add($"{at}:Password is required with UserName.");
                    }

                    break;
                default:
                    errors.Add($"{at}:Type must be one of {string.Join(", ", Types)} (was '{c.Type}').");
                    break;
            }
        }

        for (var i = 0; i < o.Rules.Count; i++)
        {
            var r = o.Rules[i];
            var at = $"{S}:Rules:{i}";
            foreach (var e in r.Events.Where(e => !NotificationEvents.All.Contains(e, StringComparer.Ordinal)))
            {
                errors.Add($"{at}:Events: unknown event '{e}'; use {string.Join(", ", NotificationEvents.All)}.");
            }

            if (!r.AllChannels().Any())
            {
                errors.Add($"{at}:Channel is required.");
            }

            foreach (var c in r.AllChannels().Where(c => !o.Channels.ContainsKey(c)))
            {
                errors.Add($"{at}:Channel: unknown channel '{c}'; configured channels: {(o.Channels.Count == 0 ? "none" : string.Join(", ", o.Channels.Keys.Order(StringComparer.Ordinal)))}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
