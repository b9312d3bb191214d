using Workflows.OpenStack.Sandbox.Kubernetes;

namespace Workflows.OpenStack.Tests.Kubernetes;

/// <summary>The store's export/import seam: a cluster's objects survive into a new API server, and kubectl sees them unchanged.</summary>
public sealed class KubeStoreTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("wf-kubestore-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Import_OfAnExport_ServesTheSameObjectsAndKeepsCountingResourceVersions()
    {
        var options = new KubernetesSandboxOptions { PodReadyDelay = TimeSpan.FromMilliseconds(200) };
        var manifest = Path.Combine(directory, "myapp.yaml");
        await File.WriteAllTextAsync(manifest, KubectlConformanceTests.Manifest);
        System.Text.Json.Nodes.JsonObject saved;
        string before;
        long version;
        using var ca = KubernetesPki.CreateCa("restored");
        var (cert, key) = KubernetesPki.CreateClientCertificate(ca, "admin", ["system:masters"]);
        await using (var first = await KubernetesApiHost.StartAsync(ca, options))
        {
            var kubectl = await KubectlForAsync(first, ca, cert, key, "first");
            await kubectl.RunAsync("apply", "-f", manifest);
            await kubectl.RunAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
            before = await kubectl.RunAsync("get", "deploy,rs,pods,svc", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}/{.metadata.uid} {end}");
            saved = first.Store.Export();
            version = saved["resourceVersion"]!.GetValue<long>();
        }

        await using var second = await KubernetesApiHost.StartAsync(ca, options, state: saved);
        var again = await KubectlForAsync(second, ca, cert, key, "second");
        Assert.Equal(before, await again.RunAsync("get", "deploy,rs,pods,svc", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}/{.metadata.uid} {end}"));
        Assert.Equal("3", await again.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.status.availableReplicas}"));
        Assert.Contains("unchanged", await again.RunAsync("apply", "-f", manifest), StringComparison.Ordinal);

        await again.RunAsync("set", "image", "deployment/myapp", "myapp=cirros:v2");
        Assert.True(long.Parse(await again.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.metadata.resourceVersion}"), System.Globalization.CultureInfo.InvariantCulture) > version);
        Assert.Contains("successfully rolled out", await again.RunAsync("rollout", "status", "deployment/myapp", "--timeout", "60s"), StringComparison.Ordinal);
    }

    private async Task<Kubectl> KubectlForAsync(KubernetesApiHost host, System.Security.Cryptography.X509Certificates.X509Certificate2 ca, string cert, string key, string name)
    {
        var path = Path.Combine(directory, $"{name}.kubeconfig");
        await File.WriteAllTextAsync(path, KubernetesPki.Kubeconfig(name, host.Address, ca.ExportCertificatePem() + "\n", cert, key));
        return new Kubectl(path, Directory.CreateDirectory(Path.Combine(directory, $"home-{name}")).FullName);
    }
}
