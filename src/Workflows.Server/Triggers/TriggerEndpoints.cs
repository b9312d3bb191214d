namespace Workflows.Server.Triggers;

/// <summary>Remembers which trigger APIs the application mapped (lets a test host map them when the application did not).</summary>
public sealed class TriggerEndpoints
{
    /// <summary>Gets or sets whether <c>MapWebhooksApi</c> ran.</summary>
    public bool WebhooksMapped { get; set; }

    /// <summary>Gets or sets whether <c>MapSchedulesApi</c> ran.</summary>
    public bool SchedulesMapped { get; set; }
}
