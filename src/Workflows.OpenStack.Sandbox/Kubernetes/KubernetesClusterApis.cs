using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// The Kubernetes API servers of the sandbox's Magnum clusters (coe <c>kubernetes</c>), one per cluster, each on its
/// own loopback port with the cluster's CA. Magnum reports <see cref="AddressOf"/> as the cluster's <c>api_address</c>.
/// </summary>
public sealed class KubernetesClusterApis(KubernetesSandboxOptions options) : IAsyncDisposable
{
    private readonly Dictionary<string, KubernetesApiHost> hosts = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Raised after any object of any running cluster changed (outside the store's lock).</summary>
    internal event Action? Changed;

    /// <summary>Starts the API of a cluster (no-op when it runs). <paramref name="port"/> and <paramref name="state"/> let a restored cluster keep its address and objects.</summary>
    public async Task<KubernetesApiHost> StartAsync(string clusterUuid, X509Certificate2 ca, int port = 0, JsonObject? state = null, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (hosts.TryGetValue(clusterUuid, out var running))
            {
                return running;
            }
        }

        var host = await KubernetesApiHost.StartAsync(ca, options, port, state, cancellationToken: cancellationToken);
        lock (gate)
        {
            if (hosts.TryGetValue(clusterUuid, out var raced))
            {
                _ = host.DisposeAsync().AsTask();
                return raced;
            }

            hosts[clusterUuid] = host;
            host.Store.Changed += OnChanged;
            return host;
        }
    }

    /// <summary>Returns the API address of a cluster (<c>https://127.0.0.1:port</c>), or null when none runs.</summary>
    public string? AddressOf(string clusterUuid)
    {
        lock (gate)
        {
            return hosts.TryGetValue(clusterUuid, out var h) ? h.Address : null;
        }
    }

    /// <summary>Returns every running cluster API by cluster uuid (a copy).</summary>
    public IReadOnlyList<KeyValuePair<string, KubernetesApiHost>> Running()
    {
        lock (gate)
        {
            return [.. hosts];
        }
    }

    /// <summary>Returns the running API of a cluster, or null.</summary>
    public KubernetesApiHost? Find(string clusterUuid)
    {
        lock (gate)
        {
            return hosts.GetValueOrDefault(clusterUuid);
        }
    }

    /// <summary>Stops a cluster's API (the cluster is being deleted).</summary>
    public async Task StopAsync(string clusterUuid)
    {
        KubernetesApiHost? host;
        lock (gate)
        {
            hosts.Remove(clusterUuid, out host);
        }

        if (host is not null)
        {
            host.Store.Changed -= OnChanged;
            await host.DisposeAsync();
            OnChanged();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<KubernetesApiHost> all;
        lock (gate)
        {
            all = [.. hosts.Values];
            hosts.Clear();
        }

        foreach (var h in all)
        {
            await h.DisposeAsync();
        }
    }

    private void OnChanged() => Changed?.Invoke();
}
