using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Kubernetes;

/// <summary>A sandbox Magnum Kubernetes cluster serves its own Kubernetes API, and the credentials step's kubeconfig reaches it unchanged.</summary>
[Collection(SandboxCollection.Name)]
public sealed class MagnumKubernetesApiTests(SandboxFixture fixture) : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("wf-magnum-k8s-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CredentialsKubeconfig_DeploysTheReferenceManifestWithKubectl_OnAKubernetesCluster()
    {
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name = $"k8s-{Guid.NewGuid():N}"[..14], template = $"k8s-{Guid.NewGuid():N}"[..12], coe = "kubernetes" }, "cluster"));
        var clusterId = create.Outputs.GetProperty("id").GetString()!;
        var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = "sandbox", cluster = clusterId }, "credentials"));
        var outputs = Assert.IsType<MagnumClusterCredentialsOutputs>(Assert.IsType<CompletedResult>(credentials.Result).Outputs);

        var api = fixture.Sandbox.KubernetesApiOf(clusterId);
        Assert.NotNull(api);
        Assert.Equal(api.Address, outputs.ApiAddress);
        Assert.StartsWith("https://127.0.0.1:", outputs.ApiAddress);

        var kubeconfig = Path.Combine(directory, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, outputs.Kubeconfig!.Reveal());
        var manifest = Path.Combine(directory, "myapp.yaml");
        await File.WriteAllTextAsync(manifest, KubectlConformanceTests.Manifest);
        var kubectl = new Kubectl(kubeconfig, Directory.CreateDirectory(Path.Combine(directory, "home")).FullName);

        Assert.Contains("Server Version: v1.32.0", await kubectl.RunAsync("version"), StringComparison.Ordinal);
        await kubectl.RunAsync("apply", "-f", manifest);
        Assert.Contains("successfully rolled out", await kubectl.RunAsync("rollout", "status", "deployment/myapp", "--timeout", "60s"), StringComparison.Ordinal);
        Assert.Equal("3", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.status.availableReplicas}"));
    }

    [Fact]
    public async Task ClusterApi_RefusesTheClientCertificateOfAnotherCluster()
    {
        var first = await CreateAndGetCredentialsAsync();
        var second = await CreateAndGetCredentialsAsync();
        Assert.NotEqual(first.ApiAddress, second.ApiAddress);

        // The first cluster's address and CA, the second cluster's client certificate.
        var mixed = KubernetesPki.Kubeconfig("mixed", first.ApiAddress, first.CaCert!, second.ClientCert!, second.ClientKey!.Reveal());
        var path = Path.Combine(directory, "mixed");
        await File.WriteAllTextAsync(path, mixed);
        var kubectl = new Kubectl(path, Directory.CreateDirectory(Path.Combine(directory, "home-mixed")).FullName);
        var result = await kubectl.TryAsync("get", "namespaces");
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("error: You must be logged in to the server", StringComparison.Ordinal), result.Stderr);
    }

    private async Task<MagnumClusterCredentialsOutputs> CreateAndGetCredentialsAsync()
    {
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name = $"k8s-{Guid.NewGuid():N}"[..14], template = $"k8s-{Guid.NewGuid():N}"[..12], coe = "kubernetes" }, "cluster"));
        var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = "sandbox", cluster = create.Outputs.GetProperty("id").GetString() }, "credentials"));
        return Assert.IsType<MagnumClusterCredentialsOutputs>(Assert.IsType<CompletedResult>(credentials.Result).Outputs);
    }
}
