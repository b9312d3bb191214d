using Hangfire;

namespace Workflows.Server.Triggers;

/// <summary>Settings of webhooks, bound from the <c>Webhooks</c> configuration section.</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Webhooks";

    /// <summary>Gets or sets the hooks defined in configuration (they take precedence over definition triggers of the same name). Default is none.</summary>
    public List<ConfiguredHook> Hooks { get; set; } = [];

    /// <summary>Gets or sets the secrets of hooks declared in definitions (<c>triggers: - webhook: { name }</c>), by hook name. Default is none.</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the largest accepted body in bytes; larger deliveries get 413. Default is 1 MiB.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets how far the generic provider's <c>X-Timestamp</c> may be from now. Default is 5 minutes.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how long deliveries (and their replay keys) are kept. Default is 30 days.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets the sustained signed (authenticated) deliveries per minute allowed per hook; more get 429 and are recorded for redelivery. Default is 60.</summary>
    public int PermitsPerMinute { get; set; } = 60;

    /// <summary>Gets or sets the burst of deliveries allowed per hook above the sustained rate. Default is 20.</summary>
    public int Burst { get; set; } = 20;

    /// <summary>
    /// Gets or sets the sustained deliveries per minute allowed per source address that fail authentication (bad or missing
    /// signature, too large); more get 429. They never count against a hook's own limit, which only signed deliveries use. Default is 10.
    /// </summary>
    public int UnauthenticatedPermitsPerMinute { get; set; } = 10;

    /// <summary>Gets or sets the burst of failing deliveries allowed per source address. Default is 20.</summary>
    public int UnauthenticatedBurst { get; set; } = 20;
}

/// <summary>A webhook defined in configuration (<c>Webhooks:Hooks:N</c>).</summary>
public sealed class ConfiguredHook
{
    /// <summary>Gets or sets the name: senders post to <c>/hooks/{name}</c>. Default is empty (invalid).</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the workflow the hook starts. Default is empty (invalid).</summary>
    public string Workflow { get; set; } = "";

    /// <summary>Gets or sets the shared secret; never shown by the API. Default is empty (every delivery is rejected).</summary>
    public string Secret { get; set; } = "";

    /// <summary>Gets or sets how deliveries are signed: <c>github</c>, <c>gitlab</c>, <c>generic</c>, or <c>auto</c> for any of them. Default is <c>auto</c>.</summary>
    public string Provider { get; set; } = "auto";

    /// <summary>Gets or sets the filter expression over <c>payload</c>, <c>event</c> and <c>headers</c>, e.g. <c>${{ payload.ref == 'refs/heads/main' }}</c>. Default is null: every delivery starts a run.</summary>
    public string? Filter { get; set; }

    /// <summary>Gets or sets the workflow inputs as templates over the payload, e.g. <c>tag: ${{ payload.ref }}</c>. Default is none.</summary>
    public Dictionary<string, string> Inputs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets this hook's sustained deliveries per minute. Default is null: <see cref="WebhookOptions.PermitsPerMinute"/>.</summary>
    public int? PermitsPerMinute { get; set; }

    /// <summary>Gets or sets this hook's burst. Default is null: <see cref="WebhookOptions.Burst"/>.</summary>
    public int? Burst { get; set; }
}

/// <summary>Settings of schedules, bound from the <c>Schedules</c> configuration section.</summary>
public sealed class ScheduleOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Schedules";

    /// <summary>
    /// Gets or sets what Hangfire does with fires missed while no server was running. Default is
    /// <see cref="MisfireHandlingMode.Relaxed"/>: one run at start-up for all missed fires, then the normal cadence.
    /// <see cref="MisfireHandlingMode.Strict"/> starts one run per missed fire; <see cref="MisfireHandlingMode.Ignorable"/> skips missed fires.
    /// </summary>
    public MisfireHandlingMode MisfireHandling { get; set; } = MisfireHandlingMode.Relaxed;

    /// <summary>Gets or sets whether this server registers the recurring jobs of schedules. Default is true.</summary>
    public bool Enabled { get; set; } = true;
}
