using System.Text.Json.Nodes;
using Workflows.OpenStack.Sandbox.Apis;
using Workflows.OpenStack.Sandbox.State;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// The Kubernetes objects of the sandbox's clusters as a part of the saved sandbox state (<c>kubernetes</c>):
/// each running cluster API's port and objects. Saved with the OpenStack part after every OpenStack change and,
/// debounced, after every change inside a cluster (a client's write or a controller's step), so after a restart
/// the ledger, Magnum and the Kubernetes API agree.
/// </summary>
internal sealed class KubernetesStatePart(SandboxState state, SandboxPersistence persistence) : ISandboxStatePart
{
    /// <summary>How long changes inside the clusters are gathered before one save.</summary>
    internal static readonly TimeSpan SaveDelay = TimeSpan.FromMilliseconds(100);

    private int saveScheduled;

    /// <inheritdoc />
    public string Name => "kubernetes";

    /// <inheritdoc />
    public JsonNode Capture()
    {
        var clusters = new JsonObject();
        foreach (var (uuid, host) in state.KubernetesClusters.Running())
        {
            clusters[uuid] = new JsonObject { ["port"] = host.Server.Port, ["objects"] = host.Store.Export() };
        }

        return new JsonObject { ["clusters"] = clusters };
    }

    /// <summary>
    /// Starts the API of every live <c>kubernetes</c> cluster: with its saved objects on its saved port (so the
    /// kubeconfig handed out before the restart still works), or on a free port when that one is taken; clusters
    /// with nothing saved get a fresh API. Then saves after every change inside a cluster.
    /// </summary>
    public async Task RestoreAsync(JsonNode? saved, CancellationToken cancellationToken)
    {
        var byUuid = saved?["clusters"] as JsonObject;
        List<SandboxCluster> clusters;
        lock (state.Gate)
        {
            clusters = state.Clusters.Where(c => !c.WillFail && c.DeleteRequestedAt is null).ToList();
        }

        foreach (var c in clusters)
        {
            if (byUuid?[c.Uuid] is not JsonObject entry || entry["objects"] is not JsonObject objects)
            {
                continue;
            }

            var port = entry["port"]?.GetValue<int>() ?? 0;
            try
            {
                await state.KubernetesClusters.StartAsync(c.Uuid, c.Ca, port, objects, cancellationToken);
            }
            catch (IOException)
            {
                // The old port is taken by something else now: same objects, new address.
                await state.KubernetesClusters.StartAsync(c.Uuid, c.Ca, 0, objects, cancellationToken);
            }
        }

        await MagnumApi.EnsureKubernetesApisAsync(state, cancellationToken);
        state.KubernetesClusters.Changed += ScheduleSave;
    }

    private void ScheduleSave()
    {
        if (Interlocked.Exchange(ref saveScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(SaveDelay);
            Interlocked.Exchange(ref saveScheduled, 0);
            persistence.Save();
        });
    }
}
