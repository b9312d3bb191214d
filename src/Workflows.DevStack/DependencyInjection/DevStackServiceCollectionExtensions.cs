using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.DevStack;
using Workflows.Abstractions.Resources;
using Workflows.DevStack.Install;
using Workflows.DevStack.Resources;
using Workflows.DevStack.Ssh;
using Workflows.DevStack.Unstack;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the DevStack actions.</summary>
public static class DevStackServiceCollectionExtensions
{
    /// <summary>
    /// Adds <c>devstack.install</c> and <c>devstack.unstack</c> (also the Resources page's Delete of a <c>devstack.install</c>
    /// row, with its probe for the Check against the cloud), the SSH connector they share, and
    /// <see cref="DevStackOptions"/> bound from the <c>DevStack</c> configuration section.
    /// </summary>
    public static IServiceCollection AddDevStack(this IServiceCollection services, Action<DevStackOptions>? configure = null)
    {
        var options = services.AddOptions<DevStackOptions>().BindConfiguration(DevStackOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISshConnector, SshConnector>();
        services.AddWorkflowAction<DevStackInstallAction>("devstack.install", "Installs DevStack on a host over SSH (host 'sandbox': a labelled simulation).");
        services.AddWorkflowAction<DevStackUnstackAction>("devstack.unstack", "Runs devstack's unstack.sh (and clean.sh, and removes the checkout) on a host; the compensation of devstack.install and its Delete on the Resources page.");
        services.AddResourceDeleter(DevStackInstallDeleter.Kind, DevStackInstallDeleter.Action, DevStackInstallDeleter.Inputs);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IResourceProbe, DevStackResourceProbe>());
        return services;
    }
}
