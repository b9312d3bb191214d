using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;

namespace Workflows.OpenStack.Acceptance.Tests.Magnum;

/// <summary>Magnum (kubernetes driver) through the actions, as far as the cloud goes: CREATE_COMPLETE on the peer.</summary>
[Trait("Service", "magnum")]
[Collection(KeystoneWritersCollection.Name)] // Magnum and Heat create trusts and trustee users: Keystone writes.
public sealed class MagnumClusterTests(AcceptanceFixture fixture) : IClassFixture<AcceptanceFixture>
{
    [AcceptanceFact]
    public async Task MagnumCluster_IsCreatedGivenSignedCredentialsAndDeleted_ThroughTheActions()
    {
        var raw = fixture.Raw;
        var name = AcceptanceFixture.NewName("k8s");
        var template = name + "-template";
        var runId = Guid.NewGuid();
        var recorder = new TestRunRecorder();
        string? clusterId = null;
        try
        {
            // The peer has no Cinder: docker_volume_size must stay unset (null, the action's default), else the cluster fails.
            var createContext = fixture.Context(
                new JsonObject
                {
                    ["cloud"] = fixture.CloudName, ["name"] = name, ["template"] = template, ["coe"] = "kubernetes", ["image"] = fixture.Settings.MagnumImage,
                    ["externalNetwork"] = fixture.Settings.ExternalNetwork, ["flavor"] = fixture.Settings.MagnumFlavor, ["masterFlavor"] = fixture.Settings.MagnumFlavor,
                    ["dockerVolumeSize"] = null, ["masterCount"] = 1, ["nodeCount"] = 1, ["createTimeout"] = 15,
                },
                "cluster",
                runId,
                recorder: recorder);
            var created = await ActionDriver.RunAsync<MagnumClusterCreateAction>(createContext, maxCalls: 600);
            clusterId = recorder.ResourceEntries.Single(r => r.Kind == ResourceKinds.Cluster).ExternalId;
            Assert.Equal(clusterId, created.Outputs.GetProperty("id").GetString());

            // Magnum's own view: complete; its status_reason (null on the Zed peer once complete) is what the client surfaces.
            var shown = (await raw.GetAsync("container-infra", $"clusters/{clusterId}")).Expect(200).Body!;
            Assert.Equal("CREATE_COMPLETE", (string?)shown["status"]);
            Assert.Equal("CREATE_COMPLETE", created.Outputs.GetProperty("status").GetString());
            var reason = (string?)shown["status_reason"];
            Assert.Equal(reason, (await fixture.Connect().ContainerInfra.GetClusterAsync(clusterId)).StatusReason);
            Assert.Contains(created.Progress, p => p == "CREATE_IN_PROGRESS");
            Assert.Equal((string?)shown["api_address"], created.Outputs.GetProperty("apiAddress").GetString());
            Assert.StartsWith("https://", created.Outputs.GetProperty("apiAddress").GetString(), StringComparison.Ordinal);
            Assert.Single(created.Outputs.GetProperty("masterAddresses").EnumerateArray());
            Assert.Single(created.Outputs.GetProperty("nodeAddresses").EnumerateArray());

            // Certificates: the CA, and a CSR signed by it, handed out as a kubeconfig.
            var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = fixture.CloudName, cluster = clusterId }, "credentials", runId, recorder: recorder));
            var outputs = credentials.Result is CompletedResult { Outputs: MagnumClusterCredentialsOutputs o } ? o : throw new Xunit.Sdk.XunitException($"Expected credentials but got {credentials.Result}");
            Assert.Equal("kubernetes", outputs.Coe);
            var caPem = (string)(await raw.GetAsync("container-infra", $"certificates/{clusterId}")).Expect(200).Body!["pem"]!;
            Assert.Equal(caPem.Trim(), outputs.CaCert!.Trim());
            using var ca = X509Certificate2.CreateFromPem(caPem);
            using var client = X509Certificate2.CreateFromPem(outputs.ClientCert!);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(client), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            Assert.Contains($"server: {outputs.ApiAddress}", outputs.Kubeconfig!.Reveal(), StringComparison.Ordinal);

            // Delete through the action until Magnum answers 404.
            var deleted = await ActionDriver.RunAsync<MagnumClusterDeleteAction>(fixture.Context(
                new { cloud = fixture.CloudName, cluster = clusterId }, "cluster-compensate", runId, new CompensationTarget("cluster", createContext.IdempotencyKey, null, null), recorder), maxCalls: 600);
            Assert.True(deleted.Outputs.GetProperty("deleted").GetBoolean());
            Assert.Equal(404, (await raw.GetAsync("container-infra", $"clusters/{clusterId}")).Status);
            clusterId = null;
        }
        finally
        {
            if (clusterId is not null)
            {
                await raw.DeleteAsync("container-infra", $"clusters/{clusterId}");
                await raw.WaitAsync("container-infra", $"clusters/{clusterId}", r => r.Status == 404, TimeSpan.FromMinutes(2));
            }

            await raw.DeleteAsync("container-infra", $"clustertemplates/{template}");
        }

        Assert.Equal(404, (await raw.GetAsync("container-infra", $"clustertemplates/{template}")).Status);
    }

    [AcceptanceFact]
    public async Task ClusterTemplateCreate_FailsWithMagnumsMessage_WhenNoDriverServesTheImage()
    {
        var name = AcceptanceFixture.NewName("nodriver");
        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new
        {
            cloud = fixture.CloudName, name, template = name, coe = "kubernetes", image = fixture.Settings.Image, externalNetwork = fixture.Settings.ExternalNetwork,
            flavor = fixture.Settings.MagnumFlavor, masterFlavor = fixture.Settings.MagnumFlavor,
        }));

        var failure = result.Failure;
        Assert.Equal("openstack.http", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains($"container-infra POST /v1/clustertemplates returned 400 BadRequest: Cluster type (vm, {fixture.Settings.Image}, kubernetes) not supported.", failure.Message, StringComparison.Ordinal);
        Assert.Equal(404, (await fixture.Raw.GetAsync("container-infra", $"clustertemplates/{name}")).Status);
    }

    [AcceptanceFact]
    public async Task DeployMagnumCluster_ReachesCreateComplete_WithItsDefaultInputs()
    {
        // The shipped file as a user starts it: every input at its default except the cloud and, for isolation, the name.
        var name = AcceptanceFixture.NewName("dmc");
        var started = DateTimeOffset.UtcNow;
        ShippedRun? run = null;
        try
        {
            run = await new ShippedWorkflow(fixture.Services).RunAsync(
                "deploy-magnum-cluster.yaml", new Dictionary<string, JsonNode?> { ["cloud"] = fixture.CloudName, ["name"] = name }, maxCallsPerStep: 1200);
            var clusterId = run.Recorder.ResourceEntries.First(r => r.Kind == ResourceKinds.Cluster).ExternalId;
            Assert.True(run.FailedStep is null, $"deploy-magnum-cluster failed at '{run.FailedStep}': {run.Steps[^1].Result?.Result}");
            var shown = (await fixture.Raw.GetAsync("container-infra", $"clusters/{clusterId}")).Expect(200).Body!;
            Assert.Equal("CREATE_COMPLETE", (string?)shown["status"]);
            Assert.Null(shown["docker_volume_size"]?.GetValue<int?>());
            var template = (await fixture.Raw.GetAsync("container-infra", $"clustertemplates/{(string?)shown["cluster_template_id"]}")).Expect(200).Body!;
            Assert.Equal(("kubernetes", "fedora-coreos"), ((string?)template["coe"], (string?)template["cluster_distro"]));
            var credentials = run.Step("credentials").Outputs;
            Assert.Equal("kubernetes", credentials.GetProperty("coe").GetString());
            Assert.StartsWith("https://", credentials.GetProperty("apiAddress").GetString(), StringComparison.Ordinal);
            Console.WriteLine($"deploy-magnum-cluster (defaults) reached CREATE_COMPLETE with credentials in {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
        }
        finally
        {
            // By name: the cluster is found even when the run itself threw before reporting it.
            await fixture.Raw.DeleteAsync("container-infra", $"clusters/{name}");
            await fixture.Raw.WaitAsync("container-infra", $"clusters/{name}", r => r.Status == 404, TimeSpan.FromMinutes(3));
            foreach (var created in run?.Recorder.ResourceEntries.Where(r => r.Kind == ResourceKinds.ClusterTemplate) ?? [])
            {
                await fixture.Raw.DeleteAsync("container-infra", $"clustertemplates/{created.ExternalId}");
            }
        }
    }
}
