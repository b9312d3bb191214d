using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Workflows.Abstractions.Clouds;
using Workflows.OpenStack;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Http;
using Workflows.OpenStack.Identity;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the OpenStack integration.</summary>
public static class OpenStackServiceCollectionExtensions
{
    /// <summary>
    /// Adds clouds (clouds.yaml, OS_*, registered), Keystone tokens, the Nova/Neutron/Glance/Magnum
    /// clients with resilience, and the actions <c>nova.server.*</c>, <c>neutron.floatingip.*</c>, <c>magnum.cluster.*</c>.
    /// </summary>
    public static IServiceCollection AddOpenStack(this IServiceCollection services, Action<OpenStackOptions>? configure = null)
    {
        var options = services.AddOptions<OpenStackOptions>();

        // Bound from the "OpenStack" section when the host has configuration (tests may not).
        services.AddSingleton<IConfigureOptions<OpenStackOptions>>(sp => new ConfigureOptions<OpenStackOptions>(o =>
            sp.GetService<IConfiguration>()?.GetSection(OpenStackOptions.SectionName).Bind(o)));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.MaxRetryAttempts >= 0 && o.AttemptTimeout > TimeSpan.Zero && o.TotalRequestTimeout >= o.AttemptTimeout, "OpenStack timeouts and retries are invalid.");
        services.AddOpenStackClouds();
        services.AddOpenStackClients();
        services.AddOpenStackActions();
        return services;
    }

    /// <summary>Adds the cloud catalog (<see cref="ICloudCatalog"/>, <see cref="ICloudDirectory"/> and <see cref="IOpenStackClouds"/>).</summary>
    public static IServiceCollection AddOpenStackClouds(this IServiceCollection services)
    {
        services.TryAddSingleton<CloudsYamlLoader>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRegisteredCloudStore>(sp => new FileRegisteredCloudStore(
            sp.GetRequiredService<IOptions<OpenStackOptions>>().Value.RegisteredCloudsFile, sp.GetRequiredService<ILogger<FileRegisteredCloudStore>>()));
        services.TryAddSingleton(sp => new OpenStackCloudCatalog(
            sp.GetRequiredService<IOptions<OpenStackOptions>>(),
            sp.GetRequiredService<CloudsYamlLoader>(),
            sp.GetRequiredService<IRegisteredCloudStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OpenStackCloudCatalog>>()));
        services.TryAddSingleton<IOpenStackClouds>(sp => sp.GetRequiredService<OpenStackCloudCatalog>());
        services.TryAddSingleton<ICloudCatalog>(sp => sp.GetRequiredService<OpenStackCloudCatalog>());
        services.TryAddSingleton<ICloudDirectory, OpenStackCloudDirectory>();
        return services;
    }

    /// <summary>Adds tokens and the HTTP clients: resilience (retries on 5xx, 429, connection errors with backoff and Retry-After; timeouts), token handler, audit.</summary>
    public static IServiceCollection AddOpenStackClients(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenProvider>();
        services.TryAddTransient<OpenStackAuthHandler>();
        services.TryAddTransient<OpenStackAuditHandler>();
        services.TryAddSingleton<IOpenStackClientFactory, OpenStackClientFactory>();
        services.AddHttpClient(IdentityClient.HttpClientName).AddOpenStackResilience().AddHttpMessageHandler<OpenStackAuditHandler>();
        services.AddHttpClient(OpenStackClientFactory.HttpClientName)
            .AddOpenStackResilience()
            .AddHttpMessageHandler<OpenStackAuthHandler>()
            .AddHttpMessageHandler<OpenStackAuditHandler>();
        return services;
    }

    /// <summary>Adds the step actions.</summary>
    public static IServiceCollection AddOpenStackActions(this IServiceCollection services)
    {
        services.AddWorkflowAction<NovaServerCreateAction>("nova.server.create", "Boots a Nova server and waits until it is ACTIVE (adopts the one an earlier attempt booted).", ActionSupport.ServerPoll);
        services.AddWorkflowAction<NovaServerDeleteAction>("nova.server.delete", "Deletes a Nova server and waits until it is gone.", ActionSupport.ServerPoll);
        services.AddWorkflowAction<FloatingIpAttachAction>("neutron.floatingip.attach", "Allocates a floating IP on an external network and associates it with a server's port.");
        services.AddWorkflowAction<FloatingIpReleaseAction>("neutron.floatingip.release", "Disassociates and releases a floating IP.");
        services.AddWorkflowAction<MagnumClusterCreateAction>("magnum.cluster.create", "Ensures a cluster template, creates a Magnum cluster and waits for CREATE_COMPLETE.", ActionSupport.ClusterPoll);
        services.AddWorkflowAction<MagnumClusterCredentialsAction>("magnum.cluster.credentials", "Returns a cluster's API endpoint and TLS client material (Docker) or kubeconfig.");
        services.AddWorkflowAction<MagnumClusterDeleteAction>("magnum.cluster.delete", "Deletes a Magnum cluster and waits until it is gone.", ActionSupport.ClusterPoll);
        services.AddWorkflowAction<MagnumClusterTemplateDeleteAction>("magnum.clustertemplate.delete", "Deletes a Magnum cluster template, waiting while clusters still use it.", ActionSupport.ClusterPoll);

        // What the Resources page's "Delete" runs for each kind the actions above record (the provider is the cloud name).
        services.AddResourceDeleter(ResourceKinds.Server, "nova.server.delete", r => new Dictionary<string, string> { ["cloud"] = r.Provider ?? "", ["serverId"] = r.ExternalId });
        services.AddResourceDeleter(ResourceKinds.FloatingIp, "neutron.floatingip.release", r => new Dictionary<string, string> { ["cloud"] = r.Provider ?? "", ["floatingIpId"] = r.ExternalId });
        services.AddResourceDeleter(ResourceKinds.Cluster, "magnum.cluster.delete", r => new Dictionary<string, string> { ["cloud"] = r.Provider ?? "", ["cluster"] = r.ExternalId });
        services.AddResourceDeleter(ResourceKinds.ClusterTemplate, "magnum.clustertemplate.delete", r => new Dictionary<string, string> { ["cloud"] = r.Provider ?? "", ["template"] = r.ExternalId });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Workflows.Abstractions.Resources.IResourceProbe, Workflows.OpenStack.Resources.OpenStackResourceProbe>());
        return services;
    }

    // Retries re-run the token and audit handlers (they sit inside), so each attempt is audited.
    // POSTs are retried only when the request surely did not take effect: 429, 503 or no connection;
    // GET, PUT and DELETE also on other 5xx, cut connections and attempt timeouts.
    private static IHttpClientBuilder AddOpenStackResilience(this IHttpClientBuilder builder)
    {
        builder.AddResilienceHandler("openstack", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptionsMonitor<OpenStackOptions>>().CurrentValue;
            pipeline.AddTimeout(o.TotalRequestTimeout);
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(o.MaxRetryAttempts, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(o.MaxRetryAttempts > 0 && ShouldRetry(args.Outcome, args.Context)),
            });
            pipeline.AddTimeout(o.AttemptTimeout);
        });
        return builder;
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var method = context.GetRequestMessage()?.Method ?? outcome.Result?.RequestMessage?.Method;
        var safe = method is not null && (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete);
        if (outcome.Exception is not null)
        {
            // A POST that timed out or lost its connection mid-way may have taken effect: only retry
            // it when the service was not reached at all.
            return outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                || (safe && outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException);
        }

        var status = outcome.Result!.StatusCode;
        return status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
            || (safe && (int)status >= 500);
    }
}
