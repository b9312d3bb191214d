using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Server.Notifications;

/// <summary>
/// What a notification says, fixed when the state change commits: the webhook channel posts it as its JSON body,
/// the Slack and e-mail channels render it. <see cref="DeliveryId"/> is stable per event and channel.
/// </summary>
/// <param name="DeliveryId">The delivery id: the same on every attempt, so receivers drop repeats.</param>
/// <param name="Event">The event (see <see cref="Abstractions.Definitions.NotificationEvents"/>).</param>
/// <param name="OccurredAt">When the state change committed.</param>
/// <param name="Summary">One line for people, e.g. <c>Run 3f2a… of install-devstack failed: …</c>.</param>
/// <param name="Run">The run.</param>
/// <param name="Approval">The approval step, for approval events.</param>
public sealed record NotificationMessage(
    string DeliveryId,
    string Event,
    DateTimeOffset OccurredAt,
    string Summary,
    NotificationRun Run,
    NotificationApproval? Approval)
{
    /// <summary>The JSON options of payloads (camelCase, nulls left out).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Reads a stored payload.</summary>
    public static NotificationMessage Parse(string json) =>
        JsonSerializer.Deserialize<NotificationMessage>(json, JsonOptions) ?? throw new JsonException("empty notification payload");

    /// <summary>Returns the payload as stored and posted.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>The run a notification is about.</summary>
/// <param name="Id">The run id.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Version">The definition version the run is pinned to.</param>
/// <param name="Status">The run's status after the change.</param>
/// <param name="TriggerKind">What started it (portal, api, schedule, webhook…).</param>
/// <param name="TriggeredBy">Who or what started it.</param>
/// <param name="Error">Why it failed, for failed runs.</param>
/// <param name="FailedStep">The step that failed, for failed runs.</param>
/// <param name="Url">The run's page, when <c>PublicBaseUrl</c> is configured.</param>
public sealed record NotificationRun(string Id, string Workflow, string Version, string Status, string TriggerKind, string TriggeredBy, string? Error, string? FailedStep, string? Url);

/// <summary>The approval step of an approval event.</summary>
/// <param name="StepId">The step.</param>
/// <param name="Message">What the approver is asked.</param>
/// <param name="ApproveUrl">Where to approve or reject (the run page), when <c>PublicBaseUrl</c> is configured.</param>
/// <param name="ApiApproveUrl">The API endpoint that approves (POST, operator token), when <c>PublicBaseUrl</c> is configured.</param>
/// <param name="ApiRejectUrl">The API endpoint that rejects, when <c>PublicBaseUrl</c> is configured.</param>
public sealed record NotificationApproval(string StepId, string? Message, string? ApproveUrl, string? ApiApproveUrl, string? ApiRejectUrl);
