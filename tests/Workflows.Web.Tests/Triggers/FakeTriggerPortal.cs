using System.Text.Json.Nodes;
using Workflows.Web.Components.Triggers;

namespace Workflows.Web.Tests.Triggers;

/// <summary>Schedules, hooks and deliveries a test puts in; records what the portal asks to change.</summary>
public sealed class FakeTriggerPortal : ITriggerPortal
{
    public List<PortalSchedule> Schedules { get; } = [];

    public List<PortalHook> Hooks { get; } = [];

    public List<PortalDeliveryDetail> Deliveries { get; } = [];

    public List<(PortalScheduleEdit Schedule, bool Create, string Actor)> Saved { get; } = [];

    public List<(string Workflow, string Name, string Actor)> Deleted { get; } = [];

    /// <summary>Gets or sets the answer to the next save (saved, unless a test says otherwise).</summary>
    public Func<PortalScheduleEdit, PortalScheduleSaved> NextSave { get; set; } = _ => new(true, null, new Dictionary<string, string[]>());

    public Task<IReadOnlyList<PortalSchedule>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PortalSchedule>>(Schedules.ToList());

    public Task SetPausedAsync(string workflow, string name, bool paused, string actor, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<PortalOutcome> RunNowAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default) =>
        Task.FromResult(new PortalOutcome("started", "run started", Guid.NewGuid()));

    public Task<PortalScheduleSaved> SaveScheduleAsync(PortalScheduleEdit schedule, bool create, string actor, CancellationToken cancellationToken = default)
    {
        var answer = NextSave(schedule);
        if (answer.Saved)
        {
            Saved.Add((schedule, create, actor));
            Schedules.RemoveAll(s => s.Workflow == schedule.Workflow && s.Name == schedule.Name);
            Schedules.Add(new PortalSchedule(schedule.Workflow, schedule.Name, schedule.Cron, schedule.TimeZone, schedule.Overlap, false, [], null, null, null, null)
            {
                Origin = PortalSchedule.ApiOrigin,
                Inputs = schedule.Inputs,
                Description = "described " + schedule.Cron,
                CreatedBy = actor,
            });
        }

        return Task.FromResult(answer);
    }

    public Task<PortalOutcome> DeleteScheduleAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default)
    {
        Deleted.Add((workflow, name, actor));
        Schedules.RemoveAll(s => s.Workflow == workflow && s.Name == name);
        return Task.FromResult(new PortalOutcome("deleted", $"{workflow}/{name} deleted", null));
    }

    /// <summary>Describes any cron as "described &lt;cron&gt;"; <c>bad</c> is not valid.</summary>
    public PortalCronPreview PreviewCron(string cron, string timeZone) =>
        cron == "bad"
            ? new(null, [], "'bad' is not a valid cron expression")
            : new("described " + cron, [new DateTimeOffset(2026, 3, 2, 3, 0, 0, TimeSpan.FromHours(1))], null);

    public Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PortalHook>>(Hooks.ToList());

    public Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PortalDelivery>>(Deliveries.Select(d => d.Delivery).ToList());

    public Task<PortalDeliveryDetail?> GetDeliveryAsync(string hook, string deliveryId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Deliveries.FirstOrDefault(d => d.Delivery.Id == deliveryId));

    public Task<PortalOutcome> RedeliverAsync(string hook, string deliveryId, string actor, CancellationToken cancellationToken = default) =>
        Task.FromResult(new PortalOutcome("accepted", "accepted", Guid.NewGuid()));

    public static JsonObject Inputs(params (string Key, JsonNode? Value)[] values) => new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));
}
