using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.Kubernetes;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Actions;
using Workflows.Kubernetes.Client;
using Workflows.Kubernetes.Manifests;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kubernetes actions.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Kubernetes plumbing (kubeconfig loading, client factory, manifest reading, <see cref="KubernetesOptions"/>
    /// bound from the <c>Kubernetes</c> section) and the actions <c>kubernetes.apply</c>, <c>kubernetes.rollout</c>,
    /// <c>kubernetes.undo</c>, <c>kubernetes.delete</c> and <c>kubernetes.object.delete</c>.
    /// </summary>
    public static IServiceCollection AddKubernetesActions(this IServiceCollection services, Action<KubernetesOptions>? configure = null)
    {
        services.AddKubernetesClients(configure);
        services.AddWorkflowAction<ApplyAction>("kubernetes.apply", "Apply manifests with server-side apply, recording what each object was for undo");
        services.AddWorkflowAction<RolloutAction>("kubernetes.rollout", "Wait until Deployments, StatefulSets and DaemonSets are rolled out");
        services.AddWorkflowAction<UndoAction>("kubernetes.undo", "Compensation of kubernetes.apply: restore each object's recorded previous state");
        services.AddWorkflowAction<DeleteAction>("kubernetes.delete", "Delete a manifest's objects and wait until they are gone");
        services.AddWorkflowAction<ObjectDeleteAction>(Workflows.Kubernetes.Resources.KubernetesObjectDeleter.Action, "Delete one object by kind and name and wait until it is gone");

        // The Resources page's "Delete" and "Check against the cloud" of every kind kubernetes.apply records.
        services.AddResourceDeleter(Workflows.Kubernetes.Resources.KubernetesObjectDeleter.KindFamily, Workflows.Kubernetes.Resources.KubernetesObjectDeleter.Action, Workflows.Kubernetes.Resources.KubernetesObjectDeleter.Inputs);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Workflows.Abstractions.Resources.IResourceProbe, Workflows.Kubernetes.Resources.KubernetesResourceProbe>());
        return services;
    }

    /// <summary>Adds the kubeconfig loader, client factory and manifest source only.</summary>
    public static IServiceCollection AddKubernetesClients(this IServiceCollection services, Action<KubernetesOptions>? configure = null)
    {
        var options = services.AddOptions<KubernetesOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(KubernetesOptions.SectionName).Bind(o))
            .PostConfigure<IServiceProvider>((o, sp) => o.ManifestDirectory ??= FindWorkflowsDirectory(sp.GetService<IConfiguration>()?["Workflows:WorkflowsDirectory"] ?? "workflows"))
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.MaxPollInterval >= o.PollInterval && o.RequestTimeout > TimeSpan.Zero, "Kubernetes:PollInterval, MaxPollInterval and RequestTimeout must be positive, MaxPollInterval at least PollInterval.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.FieldManager), "Kubernetes:FieldManager must not be empty.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(_ => new KubeconfigLoader());
        services.TryAddSingleton<IKubernetesClientFactory, KubernetesClientFactory>();
        services.TryAddSingleton<ManifestSource>();
        return services;
    }

    /// <summary>Looks a relative workflows folder up from the current folder upwards, as the definition catalog does.</summary>
    private static string FindWorkflowsDirectory(string configured)
    {
        if (Path.IsPathRooted(configured))
        {
            return configured;
        }

        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, configured);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(configured);
    }
}
