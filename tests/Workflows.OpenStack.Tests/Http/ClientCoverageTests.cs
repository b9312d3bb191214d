using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Compute.Requests;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Http;

/// <summary>Client calls not exercised by the workflow steps.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ClientCoverageTests(SandboxFixture fixture)
{
    [Fact]
    public async Task CreateServer_SendsUserDataTagsAndMetadata_SoListingByTagFindsIt()
    {
        var os = fixture.Connect();
        var image = await os.Image.FindImageAsync("cirros");
        var flavor = await os.Compute.FindFlavorAsync("m1.small");
        var network = await os.Network.FindNetworkAsync("private");
        var tag = "t-" + Guid.NewGuid().ToString("N")[..10];

        var created = await os.Compute.CreateServerAsync(new CreateServerRequest
        {
            Name = "tagged",
            ImageId = image.Id,
            FlavorId = flavor.Id,
            NetworkIds = [network.Id],
            UserData = "#cloud-config\npackages: [nginx]\n",
            Metadata = new() { ["role"] = "web" },
            Tags = [tag, "web"],
        });

        Assert.Equal("***", created.AdminPass?.ToString());
        var listed = Assert.Single(await os.Compute.ListServersAsync(tags: [tag]));
        Assert.Equal(created.Id, listed.Id);
        Assert.Equal(["web"], (await os.Compute.ListServersAsync(tags: [tag], metadata: new Dictionary<string, string> { ["role"] = "web" })).Select(s => s.Metadata["role"]));
        Assert.Empty(await os.Compute.ListServersAsync(tags: [tag], metadata: new Dictionary<string, string> { ["role"] = "db" }));
        Assert.Contains(tag, listed.Tags!);
        Assert.True(await os.Compute.DeleteServerAsync(created.Id));
    }

    [Fact]
    public async Task FloatingIp_AssociatesDisassociatesAndDeletes_WhenAskedStepByStep()
    {
        var os = fixture.Connect();
        var server = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = "fip-" + Guid.NewGuid().ToString("N")[..6] }, "server"));
        var port = Assert.Single(await os.Network.ListPortsAsync(deviceId: server.Outputs.GetProperty("id").GetString()));
        var external = Assert.Single(await os.Network.ListNetworksAsync(external: true));

        var fip = await os.Network.CreateFloatingIpAsync(external.Id);
        Assert.Null(fip.PortId);
        Assert.Equal("DOWN", fip.Status);
        var associated = await os.Network.AssociateFloatingIpAsync(fip.Id, port.Id);
        Assert.Equal(port.FixedIps[0].IpAddress, associated.FixedIpAddress);
        var disassociated = await os.Network.DisassociateFloatingIpAsync(fip.Id);
        Assert.Null(disassociated.PortId);
        Assert.True(await os.Network.DeleteFloatingIpAsync(fip.Id));
        Assert.False(await os.Network.DeleteFloatingIpAsync(fip.Id));
        await Assert.ThrowsAsync<OpenStackNotFoundException>(() => os.Network.GetFloatingIpAsync(fip.Id));
    }

    [Fact]
    public async Task ClusterCredentials_PointAtTheConfiguredDockerEndpoint_AndAreSignedByTheConfiguredCa()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=docker-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        await using var sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions
        {
            ClusterCreateDelay = TimeSpan.Zero,
            SwarmApiAddress = "tcp://127.0.0.1:2376",
            ClusterCaCertificatePem = ca.ExportCertificatePem(),
            ClusterCaKeyPem = caKey.ExportRSAPrivateKeyPem(),
        });
        await using var services = fixture.CreateServices();
        services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(sandbox.CloudNamed("docker")));
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(new TestStepContext(services, new { cloud = "docker", name = "swarm", coe = "swarm-mode" }, "cluster"));

        var result = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(new TestStepContext(services, new { cloud = "docker", cluster = create.Outputs.GetProperty("id").GetString() }, "credentials"));

        var outputs = (MagnumClusterCredentialsOutputs)((CompletedResult)result.Result).Outputs!;
        Assert.Equal("tcp://127.0.0.1:2376", outputs.DockerHost);
        using var client = X509Certificate2.CreateFromPem(outputs.ClientCert);
        Assert.Equal("CN=docker-ca", client.Issuer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(client));
    }
}
