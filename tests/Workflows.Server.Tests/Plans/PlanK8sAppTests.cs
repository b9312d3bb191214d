using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Workflows.Server.Tests.Platform;

namespace Workflows.Server.Tests.Plans;

/// <summary>The plan of the shipped deploy-k8s-app against a sandbox Kubernetes API server: dry runs and diffs per object (issue 14).</summary>
public sealed class PlanK8sAppTests(SqlitePlatformFactory server) : IClassFixture<SqlitePlatformFactory>, IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-k8s-plan-").FullName;
    private StandaloneKubernetesApi cluster = null!;

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    public async Task InitializeAsync() =>
        cluster = await KubernetesApiHost.StartStandaloneAsync(folder, "sandbox", new KubernetesSandboxOptions { PodReadyDelay = TimeSpan.FromMilliseconds(300) });

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task PlanOfDeployK8sApp_CreatesTheNamespaceDeploymentAndService_WhenNoneExists()
    {
        var ns = $"plan-{Guid.NewGuid():N}"[..16];
        var inputs = new JsonObject { ["namespace"] = ns, ["kubeconfig"] = await File.ReadAllTextAsync(cluster.KubeconfigPath) };

        var plan = await PlanAsync(inputs);

        var apply = Step(plan, "apply");
        Assert.Equal("Create", (string?)apply["plan"]!["action"]);
        Assert.Equal(
            [("kubernetes.namespace", ns, "Create"), ("kubernetes.deployment.apps", $"{ns}/myapp", "Create"), ("kubernetes.service", $"{ns}/myapp", "Create")],
            apply["plan"]!["resources"]!.AsArray().Select(r => ((string?)r!["kind"], (string?)r["name"], (string?)r["action"])));
        Assert.Equal("cirros:latest", (string?)apply["plan"]!["resources"]![1]!["attributes"]!["spec.template.spec.containers[0].image"]);
        Assert.Equal("***", (string?)apply["inputs"]!["kubeconfig"]);
        Assert.DoesNotContain(cluster.ClientKeyPem.Split('\n')[1], plan.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(await GetAsync("v1", "Namespace", null, ns)); // nothing was created
    }

    [Fact]
    public async Task PlanOfDeployK8sApp_ShowsTheDeploymentDiff_AfterARunDeployedIt_AndStoresNothing()
    {
        var ns = $"plan-{Guid.NewGuid():N}"[..16];
        var kubeconfig = await File.ReadAllTextAsync(cluster.KubeconfigPath);
        var start = await Operator.PostAsJsonAsync("/api/workflows/deploy-k8s-app/runs", new JsonObject { ["inputs"] = new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig } });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        await WaitAsync(start.Headers.Location!.ToString());
        var before = (string?)(await GetAsync("apps/v1", "Deployment", ns, "myapp"))!["metadata"]!["resourceVersion"];

        var plan = await PlanAsync(new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "cirros:0.6.2", ["replicas"] = 5 });

        var resources = Step(plan, "apply")["plan"]!["resources"]!.AsArray();
        Assert.Equal([("kubernetes.deployment.apps", "Update"), ("kubernetes.service", "NoChange")], resources.Select(r => ((string?)r!["kind"], (string?)r["action"])));
        Assert.Equal(
            [("spec.replicas", "3", "5"), ("spec.template.spec.containers[0].image", "cirros:latest", "cirros:0.6.2")],
            resources[0]!["changes"]!.AsArray().Select(c => ((string?)c!["field"], (string?)c["before"], (string?)c["after"])));
        Assert.Equal(1, (int?)plan["summary"]!["update"]);
        Assert.Equal(before, (string?)(await GetAsync("apps/v1", "Deployment", ns, "myapp"))!["metadata"]!["resourceVersion"]);
    }

    private async Task<JsonObject?> GetAsync(string apiVersion, string kind, string? ns, string name)
    {
        using var client = new KubernetesApiClient(new KubeconfigLoader().Load(new KubernetesAccessInputs { KubeconfigPath = cluster.KubeconfigPath }), new NullAudit(), TimeSpan.FromSeconds(10));
        return await client.GetAsync(new ObjectRef(apiVersion, kind, ns, name), (await client.ResolveAsync(apiVersion, kind))!);
    }

    private static JsonNode Step(JsonNode plan, string id) => plan["steps"]!.AsArray().Single(s => (string?)s!["id"] == id)!;

    private async Task<JsonNode> PlanAsync(JsonObject inputs)
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/deploy-k8s-app/plan", new JsonObject { ["inputs"] = inputs });
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task WaitAsync(string location)
    {
        JsonObject? last = null;
        for (var i = 0; i < 1200; i++)
        {
            last = await Operator.GetFromJsonAsync<JsonObject>(location);
            var s = (string?)last!["run"]!["status"];
            if (s is "Succeeded" or "Failed" or "Cancelled")
            {
                Assert.True(s == "Succeeded", $"the run ended {s}: {last}");
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"the run did not finish: {last}");
    }

    private sealed class NullAudit : Workflows.Abstractions.Actions.IStepAudit
    {
        public void RecordCall(Workflows.Abstractions.Actions.ExternalCall call)
        {
        }

        public void Record(string kind, string message)
        {
        }
    }
}
