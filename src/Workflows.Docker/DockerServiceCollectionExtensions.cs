using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workflows.Docker;
using Workflows.Docker.Actions;
using Workflows.Docker.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Docker rollout actions.</summary>
public static class DockerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Docker client plumbing (endpoint resolution, client factory, <see cref="DockerOptions"/> bound
    /// from the <c>Docker</c> section) and the actions <c>docker.service.*</c>, <c>docker.stack.*</c>,
    /// <c>docker.container.*</c> and <c>docker.image.ensure</c>.
    /// </summary>
    public static IServiceCollection AddDockerRollout(this IServiceCollection services, Action<DockerOptions>? configure = null)
    {
        services.AddDockerClients(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Workflows.Abstractions.Definitions.IWorkflowRequirement, DockerEngineRequirement>());
        services.AddWorkflowAction<ServiceDeployAction>("docker.service.deploy", "Create or update a Swarm service and wait until it converged");
        services.AddWorkflowAction<ServiceRollbackAction>("docker.service.rollback", "Roll a Swarm service back to its previous spec");
        services.AddWorkflowAction<ServiceRemoveAction>("docker.service.remove", "Remove a Swarm service");
        services.AddWorkflowAction<StackDeployAction>("docker.stack.deploy", "Deploy a compose file to Swarm as a stack (with prune)");
        services.AddWorkflowAction<StackRemoveAction>("docker.stack.remove", "Remove a stack's services and networks");
        services.AddWorkflowAction<ContainerRunAction>("docker.container.run", "Run a container, replacing the app's previous one once the new one is healthy");
        services.AddWorkflowAction<ContainerRemoveAction>("docker.container.remove", "Remove an app's containers, or one container by id or name");
        services.AddWorkflowAction<NetworkRemoveAction>("docker.network.remove", "Remove a network, waiting while endpoints still use it");
        services.AddWorkflowAction<ImageEnsureAction>("docker.image.ensure", "Make sure an image is present, pulling it with credentials when needed");

        // The Resources page's "Delete" of each kind the actions record: the provider is the endpoint as recorded (unix
        // socket or tcp address; TLS material comes from the server's Docker configuration, never from the ledger).
        services.AddResourceDeleter("docker.service", "docker.service.remove", r => new Dictionary<string, string> { ["host"] = r.Provider ?? "", ["name"] = r.Name ?? r.ExternalId });
        services.AddResourceDeleter("docker.container", "docker.container.remove", r => new Dictionary<string, string> { ["host"] = r.Provider ?? "", ["container"] = r.ExternalId });
        services.AddResourceDeleter("docker.network", "docker.network.remove", r => new Dictionary<string, string> { ["host"] = r.Provider ?? "", ["network"] = r.ExternalId });
        services.AddResourceDeleter("docker.stack", "docker.stack.remove", r => new Dictionary<string, string> { ["host"] = r.Provider ?? "", ["stack"] = r.ExternalId });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Workflows.Abstractions.Resources.IResourceProbe, Workflows.Docker.Resources.DockerResourceProbe>());
        return services;
    }

    /// <summary>Adds the endpoint resolver and client factory only.</summary>
    public static IServiceCollection AddDockerClients(this IServiceCollection services, Action<DockerOptions>? configure = null)
    {
        var options = services.AddOptions<DockerOptions>().BindConfiguration(DockerOptions.SectionName)
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero, "Docker:PollInterval and Docker:RequestTimeout must be positive.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DockerEndpointResolver>();
        services.TryAddSingleton<IDockerClientFactory, DockerClientFactory>();
        return services;
    }
}
