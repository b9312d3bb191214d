using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Sandbox.State;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Sandbox;

/// <summary>The sandbox keeps its cloud in the data directory, so a restarted server finds what the ledger lists.</summary>
public sealed class SandboxStateStoreTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("wf-sandbox-state-").FullName;

    [Fact]
    public async Task NewSandbox_FindsServersFloatingIpsClustersAndCertificates_WhenStartedOnTheSameDataDirectory()
    {
        string serverId, fipId, fipAddress, clusterId, templateId, caPem;
        var runId = Guid.NewGuid();
        await using (var first = await StartAsync())
        {
            using var services = Services(first);
            var server = await ActionDriver.RunAsync<NovaServerCreateAction>(new TestStepContext(services, new { cloud = "sandbox", name = "keep-me", image = "cirros", flavor = "m1.tiny", networks = new[] { "private" } }, "server", runId));
            serverId = server.Outputs.GetProperty("id").GetString()!;
            var fip = await ActionDriver.RunAsync<FloatingIpAttachAction>(new TestStepContext(services, new { cloud = "sandbox", serverId }, "ip", runId));
            (fipId, fipAddress) = (fip.Outputs.GetProperty("id").GetString()!, fip.Outputs.GetProperty("address").GetString()!);
            var cluster = await ActionDriver.RunAsync<MagnumClusterCreateAction>(new TestStepContext(services, new { cloud = "sandbox", name = "kept" }, "cluster", runId));
            (clusterId, templateId) = (cluster.Outputs.GetProperty("id").GetString()!, cluster.Outputs.GetProperty("templateId").GetString()!);
            caPem = await services.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").ContainerInfra.GetCaCertificateAsync(clusterId);
        }

        await using var second = await StartAsync();
        using var restarted = Services(second);
        var os = restarted.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox");

        var keptServer = await os.Compute.GetServerAsync(serverId);
        Assert.Equal(("keep-me", "ACTIVE"), (keptServer.Name, keptServer.Status));
        var keptFip = await os.Network.GetFloatingIpAsync(fipId);
        Assert.Equal(fipAddress, keptFip.FloatingIpAddress);
        var port = Assert.Single(await os.Network.ListPortsAsync(deviceId: serverId));
        Assert.Equal(port.Id, keptFip.PortId);
        var keptCluster = await os.ContainerInfra.GetClusterAsync(clusterId);
        Assert.Equal(("kept", "CREATE_COMPLETE", templateId), (keptCluster.Name, keptCluster.Status, keptCluster.ClusterTemplateId));
        Assert.Equal("kubernetes", (await os.ContainerInfra.TryGetClusterTemplateAsync(templateId))!.Coe);
        Assert.Equal(caPem, await os.ContainerInfra.GetCaCertificateAsync(clusterId));

        // The CA kept its key: a certificate signed after the restart chains to the CA handed out before it.
        var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(new TestStepContext(restarted, new { cloud = "sandbox", cluster = clusterId }, "credentials", runId));
        var outputs = Assert.IsType<MagnumClusterCredentialsOutputs>(Assert.IsType<Abstractions.Actions.CompletedResult>(credentials.Result).Outputs);
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(caPem);
        using var client = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(outputs.ClientCert);
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        Assert.True(chain.Build(client), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        // An idempotent second execution of the create step adopts the cluster instead of building another one.
        var again = await ActionDriver.RunAsync<MagnumClusterCreateAction>(new TestStepContext(restarted, new { cloud = "sandbox", name = "kept" }, "cluster", runId));
        Assert.Equal(clusterId, again.Outputs.GetProperty("id").GetString());
    }

    [Fact]
    public async Task NewSandbox_ServesTheKubernetesObjectsOfAClusterAtItsOldAddress_WhenStartedOnTheSameDataDirectory()
    {
        string clusterId, address;
        var runId = Guid.NewGuid();
        var manifest = Path.Combine(directory, "myapp.yaml");
        await File.WriteAllTextAsync(manifest, Kubernetes.KubectlConformanceTests.Manifest);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        await using (var first = await StartAsync())
        {
            using var services = Services(first);
            var cluster = await ActionDriver.RunAsync<MagnumClusterCreateAction>(new TestStepContext(services, new { cloud = "sandbox", name = "k8s-kept", coe = "kubernetes" }, "cluster", runId));
            clusterId = cluster.Outputs.GetProperty("id").GetString()!;
            var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(new TestStepContext(services, new { cloud = "sandbox", cluster = clusterId }, "credentials", runId));
            var outputs = Assert.IsType<MagnumClusterCredentialsOutputs>(Assert.IsType<Abstractions.Actions.CompletedResult>(credentials.Result).Outputs);
            address = outputs.ApiAddress!;
            await File.WriteAllTextAsync(kubeconfig, outputs.Kubeconfig!.Reveal());
            var kubectl = new Kubernetes.Kubectl(kubeconfig, Directory.CreateDirectory(Path.Combine(directory, "home-1")).FullName);
            await kubectl.RunAsync("apply", "-f", manifest);
            Assert.Contains("successfully rolled out", await kubectl.RunAsync("rollout", "status", "deployment/myapp", "--timeout", "60s"), StringComparison.Ordinal);
        }

        await using var second = await StartAsync();
        Assert.Equal(address, second.KubernetesApiOf(clusterId)?.Address);

        // The kubeconfig handed out before the restart still works, and the Deployment is still rolled out.
        var again = new Kubernetes.Kubectl(kubeconfig, Directory.CreateDirectory(Path.Combine(directory, "home-2")).FullName);
        Assert.Equal("3", await again.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.status.availableReplicas}"));
        Assert.Contains("myapp", await again.RunAsync("get", "service", "myapp", "-o", "name"), StringComparison.Ordinal);
        Assert.Contains("unchanged", await again.RunAsync("apply", "-f", manifest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewSandbox_FinishesADeleteThatWasInProgress_WhenRestarted()
    {
        string clusterId;
        await using (var first = await StartAsync())
        {
            using var services = Services(first);
            var cluster = await ActionDriver.RunAsync<MagnumClusterCreateAction>(new TestStepContext(services, new { cloud = "sandbox", name = "going" }, "cluster"));
            clusterId = cluster.Outputs.GetProperty("id").GetString()!;
            Assert.True(await services.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").ContainerInfra.DeleteClusterAsync(clusterId));
        }

        await using var second = await StartAsync();
        using var restarted = Services(second);
        var deleted = await ActionDriver.RunAsync<MagnumClusterDeleteAction>(new TestStepContext(restarted, new { cloud = "sandbox", cluster = clusterId }, "delete"));

        Assert.True(deleted.Outputs.GetProperty("deleted").GetBoolean());
        Assert.Null(await restarted.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox").ContainerInfra.TryGetClusterAsync(clusterId));
    }

    [Fact]
    public async Task StateFile_IsReplacedAtomicallyAndReadableOnlyByItsOwner()
    {
        await using (var sandbox = await StartAsync())
        {
            using var services = Services(sandbox);
            await ActionDriver.RunAsync<NovaServerCreateAction>(new TestStepContext(services, new { cloud = "sandbox", name = "file-check", image = "cirros", flavor = "m1.tiny", networks = new[] { "private" } }, "server"));
        }

        var path = Path.Combine(directory, JsonFileSandboxStore.FileName);
        Assert.False(File.Exists(path + ".tmp"));
        var document = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.Equal(1, (int)document["version"]!);
        Assert.Contains("file-check", document["parts"]!["openstack"]!["servers"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SandboxFixture.Password, await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Start_RefusesAStateFileItCannotRead_AndLeavesItUntouched()
    {
        var path = Path.Combine(directory, JsonFileSandboxStore.FileName);
        await File.WriteAllTextAsync(path, "{ not json");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => StartAsync());

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private Task<OpenStackSandboxHost> StartAsync() => OpenStackSandboxHost.StartAsync(new SandboxOptions
    {
        AdminPassword = SandboxFixture.Password,
        DataDirectory = directory,
        ServerBuildDelay = TimeSpan.FromMilliseconds(100),
        ServerDeleteDelay = TimeSpan.FromMilliseconds(100),
        ClusterCreateDelay = TimeSpan.FromMilliseconds(200),
        ClusterUpdateDelay = TimeSpan.FromMilliseconds(300),
    });

    private static ServiceProvider Services(OpenStackSandboxHost sandbox)
    {
        var services = new ServiceCollection().AddLogging().AddOpenStack(o =>
        {
            o.UseCloudsYamlSearchPath = false;
            o.UseEnvironmentVariables = false;
            o.RegisteredCloudsFile = Path.Combine(Path.GetTempPath(), $"wf-registered-{Guid.NewGuid():N}.json");
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.MaxPollInterval = TimeSpan.FromMilliseconds(100);
        }).BuildServiceProvider();
        services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(sandbox.Cloud));
        return services;
    }
}
