using Workflows.Web.Components.Triggers;

namespace Workflows.Server.Triggers;

/// <summary>Serves the portal's Schedules and Webhooks pages from the same services as the API.</summary>
public sealed class TriggerPortal(ScheduleManager schedules, TriggerStore store, WebhookRegistry hooks, WebhookReceiver receiver, TimeProvider clock) : ITriggerPortal
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<PortalSchedule>> ListSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var states = await store.ListScheduleStatesAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return (await schedules.ListAsync(cancellationToken)).Select(s =>
        {
            var st = states.GetValueOrDefault(s.Id);
            var paused = st?.Paused ?? false;
            return new PortalSchedule(s.Workflow, s.Name, s.Cron, s.TimeZone, s.Overlap, paused, paused ? [] : s.NextFires(now, 3), st?.LastFireAt, st?.LastOutcome, st?.LastMessage, st?.LastRunId);
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
    public Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PortalHook>>(hooks.List().Select(h => new PortalHook(h.Name, $"/hooks/{h.Name}", h.Workflow, h.Provider, h.Source, h.Secret is not null, h.Filter, h.Inputs)).ToList());

    /// <inheritdoc />
    public async Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default) =>
        (await store.ListDeliveriesAsync(hook, max, cancellationToken))
            .Select(d => new PortalDelivery(d.Id, d.ReceivedAt, d.Status, d.HttpStatus, d.Message, d.Event, d.DeliveryKey, d.RunId, d.RedeliveryOf, d.DeliveryKey is not null && d.Status != "too-large"))
            .ToList();

    /// <inheritdoc />
    public async Task<PortalOutcome> RedeliverAsync(string hook, string deliveryId, string actor, CancellationToken cancellationToken = default)
    {
        var h = hooks.Find(hook) ?? throw new InvalidOperationException($"No webhook named '{hook}'.");
        var outcome = await receiver.RedeliverAsync(h, deliveryId, actor, cancellationToken);
        return outcome is null
            ? new PortalOutcome("not-found", $"Webhook '{hook}' has no delivery {deliveryId}.", null)
            : new PortalOutcome(outcome.Body.Status, outcome.Body.Message, outcome.Body.RunId);
    }
}
