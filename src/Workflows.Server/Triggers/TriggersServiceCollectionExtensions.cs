using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.Server.Triggers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers webhooks (<c>POST /hooks/{name}</c>) and schedules (Hangfire recurring jobs).</summary>
public static class TriggersServiceCollectionExtensions
{
    /// <summary>Adds webhooks bound to <c>Webhooks</c> and schedules bound to <c>Schedules</c>; call after <c>AddWorkflowEngine</c>.</summary>
    public static IServiceCollection AddTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(TriggerStore)))
        {
            return services; // already added: binding the options twice would repeat the configured hooks
        }

        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.MaxBodyBytes > 0, "Webhooks:MaxBodyBytes must be positive.")
            .Validate(o => o.PermitsPerMinute > 0 && o.Burst > 0, "Webhooks:PermitsPerMinute and Webhooks:Burst must be positive.")
            .Validate(o => o.UnauthenticatedPermitsPerMinute > 0 && o.UnauthenticatedBurst > 0, "Webhooks:UnauthenticatedPermitsPerMinute and Webhooks:UnauthenticatedBurst must be positive.")
            .Validate(o => o.Hooks.All(h => h.Name.Length > 0 && h.Workflow.Length > 0), "Webhooks:Hooks: every hook needs a Name and a Workflow.")
            .Validate(o => o.Hooks.All(h => h.Provider is "" or "auto" or "github" or "gitlab" or "generic"), "Webhooks:Hooks: Provider must be github, gitlab, generic or auto.")
            .ValidateOnStart();
        services.AddOptions<ScheduleOptions>().Bind(configuration.GetSection(ScheduleOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TriggerStore>();
        services.TryAddSingleton<WebhookRegistry>();
        services.TryAddSingleton<WebhookRateLimits>();
        services.TryAddSingleton<WebhookReceiver>();
        services.TryAddSingleton<ScheduleManager>();
        services.TryAddTransient<ScheduleJob>();
        services.TryAddSingleton<TriggerEndpoints>();
        services.TryAddSingleton<Workflows.Web.Components.Triggers.ITriggerPortal, TriggerPortal>();
        services.AddHostedService<TriggersStartup>();
        return services;
    }

    /// <summary>Creates the trigger tables, then registers the schedules' recurring jobs.</summary>
    private sealed class TriggersStartup(TriggerStore store, ScheduleManager schedules) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await store.MigrateAsync(cancellationToken);
            await schedules.StartAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            schedules.Stop();
            return Task.CompletedTask;
        }
    }
}
