using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;
using Workflows.Testing;

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
        var recorder = new RunRecorder();
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

    [AcceptanceFact]
    public async Task PlatformFromScratch_MagnumPart_ReachesCreateComplete_WithItsDefaults()
    {
        // platform-from-scratch's Magnum steps (template + cluster, then credentials) with the workflow's defaults, on the
        // real peer instead of the DevStack it would install. The peer's Magnum cluster has no Kubernetes API behind its
        // api_address (no real nodes), so the run stops before apply and rollout: those run against the sandbox's.
        var name = AcceptanceFixture.NewName("pfs");
        var started = DateTimeOffset.UtcNow;
        ShippedRun? run = null;
        try
        {
            // The workflow also uses DevStack, Docker and Kubernetes actions; they do not run here, but its definition names them.
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddOpenStack(o =>
            {
                o.UseEnvironmentVariables = false;
                o.RegisteredCloudsFile = Path.Combine(fixture.TempDirectory, $"registered-{Guid.NewGuid():N}.json");
                o.PollInterval = TimeSpan.FromMilliseconds(500);
                o.MaxPollInterval = TimeSpan.FromSeconds(2);
            });
            foreach (var other in new[] { "devstack.install", "devstack.unstack", "docker.service.deploy", "docker.service.remove", "kubernetes.apply", "kubernetes.undo", "kubernetes.rollout" })
            {
                services.AddSingleton(new ActionDescriptor(other, typeof(NotRunHere), null, null));
            }

            await using var provider = services.BuildServiceProvider();
            run = await new ShippedWorkflow(provider).RunAsync(
                "platform-from-scratch.yaml",
                new Dictionary<string, JsonNode?> { ["cluster"] = name },
                maxCallsPerStep: 1200,
                only: ["cluster", "credentials"],
                given: new Dictionary<string, JsonObject> { ["devstack"] = new() { ["cloudName"] = fixture.CloudName } });

            Assert.True(run.FailedStep is null, $"platform-from-scratch failed at '{run.FailedStep}': {run.Steps.Last(s => s.Result is not null).Result?.Result}");
            var clusterId = run.Step("cluster").Outputs.GetProperty("id").GetString()!;
            var shown = (await fixture.Raw.GetAsync("container-infra", $"clusters/{clusterId}")).Expect(200).Body!;
            Assert.Equal("CREATE_COMPLETE", (string?)shown["status"]);
            Assert.Equal(2, (int?)shown["node_count"]);
            Assert.Null(shown["docker_volume_size"]?.GetValue<int?>());
            var template = (await fixture.Raw.GetAsync("container-infra", $"clustertemplates/{(string?)shown["cluster_template_id"]}")).Expect(200).Body!;
            Assert.Equal(("kubernetes", "fedora-coreos"), ((string?)template["coe"], (string?)template["cluster_distro"]));
            var credentials = run.Step("credentials").Outputs;
            Assert.Equal("kubernetes", credentials.GetProperty("coe").GetString());
            Assert.Equal((string?)shown["api_address"], credentials.GetProperty("apiAddress").GetString());
            Console.WriteLine($"platform-from-scratch's Magnum part (defaults) reached CREATE_COMPLETE with credentials in {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
        }
        finally
        {
            await fixture.Raw.DeleteAsync("container-infra", $"clusters/{name}");
            await fixture.Raw.WaitAsync("container-infra", $"clusters/{name}", r => r.Status == 404, TimeSpan.FromMinutes(3));
            // Only a template this run created: the workflow's fixed template name may be another user's on a shared cloud.
            foreach (var created in run?.Recorder.ResourceEntries.Where(r => r.Kind == ResourceKinds.ClusterTemplate) ?? [])
            {
                await fixture.Raw.DeleteAsync("container-infra", $"clustertemplates/{created.ExternalId}");
            }
        }
    }

    /// <summary>Stands in for the actions of the workflow's steps that this test does not run.</summary>
    private sealed class NotRunHere : IStepAction
    {
        public Task<StepResult> ExecuteAsync(StepContext context) =>
            Task.FromResult<StepResult>(StepResult.Failed("test.not_run_here", $"'{context.StepId}' is not part of this acceptance test", retryable: false));
    }
}
