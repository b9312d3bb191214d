using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Storage;
using Workflows.Server.Notifications;
using Workflows.Server.Notifications.Channels;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers notifications: the outbox the engine's store writes with each state change, the delivery pump and job, the channels.</summary>
public static class NotificationsServiceCollectionExtensions
{
    /// <summary>Adds notifications configured under <c>Workflows:Notifications</c>.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<NotificationSignal>();
        services.TryAddSingleton<INotificationOutbox, NotificationOutbox>();
        services.TryAddSingleton<INotificationChannelDirectory, NotificationChannelDirectory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, WebhookSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, SlackSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, EmailSender>());
        services.TryAddTransient<NotificationJob>();
        services.TryAddSingleton<NotificationPump>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationPump>());

        // No retries or redirects of its own: every attempt is one request, audited; the job retries with backoff.
        services.AddHttpClient(WebhookSender.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        return services;
    }
}
