using Workflows.Server.Apis;
using Workflows.Web.Components.Triggers;

namespace Workflows.Server.Triggers;

/// <summary>Serves the portal's Schedules and Webhooks pages from the same services as the API.</summary>
public sealed class TriggerPortal(ScheduleManager schedules, TriggerStore store, WebhookRegistry hooks, WebhookReceiver receiver, TimeProvider clock) : ITriggerPortal
{
    /// <summary>The delivery headers senders use, in the order they are looked for.</summary>
    private static readonly string[] DeliveryIdHeaders = ["X-GitHub-Delivery", "X-Gitlab-Event-UUID", "X-Delivery-Id"];

    /// <inheritdoc />
    public async Task<IReadOnlyList<PortalSchedule>> ListSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var states = await store.ListScheduleStatesAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return (await schedules.ListAsync(cancellationToken)).Select(schedules.Masked).Select(s =>
        {
            var st = states.GetValueOrDefault(s.Id);
            var paused = st?.Paused ?? false;
            return new PortalSchedule(s.Workflow, s.Name, s.Cron, s.TimeZone, s.Overlap, paused, paused ? [] : s.NextFires(now, 3), st?.LastFireAt, st?.LastOutcome, st?.LastMessage, st?.LastRunId)
            {
                Description = s.Description,
                Origin = s.Origin,
                Source = s.Source,
                Inputs = (System.Text.Json.Nodes.JsonObject)s.Inputs.DeepClone(),
                CreatedBy = s.Author?.CreatedBy,
                CreatedAt = s.Author?.CreatedAt,
                UpdatedBy = s.Author?.UpdatedBy,
                UpdatedAt = s.Author?.UpdatedAt,
                PausedBy = st?.ChangedBy,
            };
        }).ToList();
    }

    /// <inheritdoc />
    public async Task SetPausedAsync(string workflow, string name, bool paused, string actor, CancellationToken cancellationToken = default)
    {
        var s = await schedules.FindAsync(workflow, name, cancellationToken) ?? throw new InvalidOperationException($"Workflow '{workflow}' declares no schedule '{name}'.");
        await schedules.SetPausedAsync(s, paused, actor, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PortalOutcome> RunNowAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default)
    {
        var r = await schedules.FireAsync(workflow, name, clock.GetUtcNow(), actor, cancellationToken);
        return new PortalOutcome(r.Outcome, r.Message, r.RunId);
    }

    /// <inheritdoc />
    public async Task<PortalScheduleSaved> SaveScheduleAsync(PortalScheduleEdit schedule, bool create, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var body = new ScheduleBody(schedule.Workflow, schedule.Name, schedule.Cron, schedule.TimeZone, schedule.Overlap, schedule.Inputs);
        // The portal never shows or edits secret inputs: an edit keeps the stored ones.
        var info = create ? body.ToInfo(schedule.Workflow, schedule.Name) : await schedules.WithStoredSecretsAsync(body.ToInfo(schedule.Workflow, schedule.Name), keepMissing: true, cancellationToken);
        if (!create && await schedules.FindAsync(info.Workflow, info.Name, cancellationToken) is { Origin: not ScheduleInfo.ApiOrigin } declared)
        {
            return new(false, $"Schedule '{info.Name}' is declared in {declared.Source}; edit the file instead.", new Dictionary<string, string[]>());
        }

        // The same checks as the API: one rule, written once.
        var errors = schedules.Validate(info);
        if (errors.Count > 0)
        {
            return new(false, null, errors);
        }

        if (!await schedules.SaveAsync(info, actor, create, cancellationToken))
        {
            return create
                ? new(false, null, new Dictionary<string, string[]> { ["name"] = [$"'{info.Name}' already exists for {info.Workflow}; pick another name or edit that schedule"] })
                : new(false, $"Schedule '{info.Name}' of {info.Workflow} no longer exists.", new Dictionary<string, string[]>());
        }

        return new(true, null, new Dictionary<string, string[]>());
    }

    /// <inheritdoc />
    public async Task<PortalOutcome> DeleteScheduleAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default)
    {
        if (await schedules.FindAsync(workflow, name, cancellationToken) is not { } s)
        {
            return new("not-found", $"Workflow '{workflow}' has no schedule '{name}'.", null);
        }

        if (s.Origin != ScheduleInfo.ApiOrigin)
        {
            return new("declared", $"Schedule '{name}' is declared in {s.Source}; remove it from the file instead.", null);
        }

        return await schedules.DeleteAsync(s, actor, cancellationToken)
            ? new("deleted", $"{workflow}/{name} deleted", null)
            : new("not-found", $"Workflow '{workflow}' has no schedule '{name}'.", null);
    }

    /// <inheritdoc />
    public PortalCronPreview PreviewCron(string cron, string timeZone)
    {
        var probe = new ScheduleInfo("", "", cron ?? "", string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone, "skip", [], "");
        var errors = ScheduleManager.ValidateTiming(probe);
        if (errors.Count > 0)
        {
            return new(null, [], string.Join("; ", errors.Values.SelectMany(e => e)));
        }

        return new(probe.Description, probe.NextFires(clock.GetUtcNow(), 3), null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PortalHook>>(hooks.List().Select(h => new PortalHook(h.Name, $"/hooks/{h.Name}", h.Workflow, h.Provider, h.Source, h.Secret is not null, h.Filter, h.Inputs)).ToList());

    /// <inheritdoc />
    public async Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default) =>
        (await store.ListDeliveriesAsync(hook, max, cancellationToken)).Select(ToPortal).ToList();

    /// <inheritdoc />
    public async Task<PortalDeliveryDetail?> GetDeliveryAsync(string hook, string deliveryId, CancellationToken cancellationToken = default)
    {
        if (await store.GetDeliveryAsync(deliveryId, cancellationToken) is not { } d || d.Delivery.Hook != hook)
        {
            return null;
        }

        var detail = DeliveryDetail.From(d.Delivery, d.Body, hooks.Find(hook)?.Secret);
        var headers = detail.Delivery.Headers.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.ToString() ?? "")).OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).ToList();
        return new PortalDeliveryDetail(ToPortal(detail.Delivery), headers, detail.Body);
    }

    /// <inheritdoc />
    public async Task<PortalOutcome> RedeliverAsync(string hook, string deliveryId, string actor, CancellationToken cancellationToken = default)
    {
        var h = hooks.Find(hook) ?? throw new InvalidOperationException($"No webhook named '{hook}'.");
        var outcome = await receiver.RedeliverAsync(h, deliveryId, actor, cancellationToken);
        return outcome is null
            ? new PortalOutcome("not-found", $"Webhook '{hook}' has no delivery {deliveryId}.", null)
            : new PortalOutcome(outcome.Body.Status, outcome.Body.Message, outcome.Body.RunId);
    }

    /// <summary>
    /// The delivery as the portal shows it; its delivery id is the sender's (from the stored headers, kept even for refused deliveries),
    /// else ours.
    /// </summary>
    private static PortalDelivery ToPortal(DeliveryRecord d)
    {
        var header = DeliveryIdHeaders
            .Select(h => (Name: h, Value: d.Headers.FirstOrDefault(kv => string.Equals(kv.Key, h, StringComparison.OrdinalIgnoreCase)).Value?.ToString()))
            .FirstOrDefault(x => !string.IsNullOrWhiteSpace(x.Value));
        return new PortalDelivery(d.Id, d.ReceivedAt, d.Status, d.HttpStatus, d.Message, d.Event, d.DeliveryKey, d.RunId, d.RedeliveryOf, d.DeliveryKey is not null && d.Status != "too-large")
        {
            DeliveryId = header.Value ?? d.Id,
            DeliveryIdSource = header.Name ?? "generated",
            BodySize = d.BodySize,
        };
    }
}
