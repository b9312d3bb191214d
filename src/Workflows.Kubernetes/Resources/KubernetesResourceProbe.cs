using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Resources;

/// <summary>
/// Looks up objects that <c>kubernetes.apply</c> recorded (every <c>kubernetes.*</c> kind) with a GET on the cluster the row
/// names, reached as <see cref="KubernetesObjectDeleter.Access"/> says. 404 is gone; so is an object of the same name with
/// another uid (ours was deleted and something else created in its place). Anything else throws, and the row stays.
/// </summary>
public sealed class KubernetesResourceProbe(IKubernetesClientFactory clients, KubeconfigLoader loader) : IResourceProbe
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Kinds { get; } = [KubernetesObjectDeleter.KindFamily];

    /// <inheritdoc />
    public async Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var (access, cluster, apiVersion, kind, name) = KubernetesObjectDeleter.Access(resource);
        using var client = clients.Create(ClusterLocator.Locate(loader, access, cluster), new NoAudit());
        if (client.Access.Server != cluster)
        {
            throw new InvalidOperationException($"{client.Access} is not {cluster}, where {resource.Kind} {resource.ExternalId} lives");
        }

        var info = await client.ResolveAsync(apiVersion, kind, cancellationToken)
            ?? throw new InvalidOperationException($"{client.Access} serves no kind '{kind}' in '{apiVersion}' (any longer); not taken as proof that the object is gone");
        var live = await client.GetAsync(new ObjectRef(apiVersion, kind, info.Namespaced ? access.Namespace ?? client.Access.DefaultNamespace : null, name), info, cancellationToken);
        if (live is null)
        {
            return ResourcePresence.Gone;
        }

        var uid = live["metadata"]?["uid"]?.GetValue<string>();
        return resource.Properties.TryGetValue("uid", out var recorded) && recorded.Length > 0 && uid is not null && uid != recorded
            ? ResourcePresence.Gone
            : ResourcePresence.Present;
    }

    // A check is not a step: its calls go to the server's log through the check, not to a run's audit.
    private sealed class NoAudit : IStepAudit
    {
        public void RecordCall(ExternalCall call)
        {
        }

        public void Record(string kind, string message)
        {
        }
    }
}
