using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Workflows.Server.Tests.Hosting;
using Xunit.Abstractions;

namespace Workflows.Server.Tests.Platform;

/// <summary>
/// The shipped <c>deploy-k8s-app</c> on a published server process (PostgreSQL) killed with SIGKILL in the middle of
/// the rollout of an update, against a Kubernetes API that lives on, as a real cluster does when the server dies.
/// </summary>
public sealed class DeployK8sAppCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-k8s-crash-").FullName;
    // Pods take 3 s to become Ready; the test holds them Pending (the sandbox reads PodReadyDelay at each pass) so that
    // the update of 3 replicas (one at a time) is surely still rolling when the server dies, not raced on a loaded machine.
    private readonly KubernetesSandboxOptions kubelet = new() { PodReadyDelay = TimeSpan.FromSeconds(3) };
    private StandaloneKubernetesApi cluster = null!;

    public async Task InitializeAsync() =>
        cluster = await KubernetesApiHost.StartStandaloneAsync(folder, "crash", kubelet);

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task DeployK8sApp_ServerKilledMidRolloutOfAnUpdate_Restarted_Succeeds_WithOneDeploymentRolledOutToTheNewImage()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        await using var server = await PublishedServer.StartAsync(cs);
        await server.WaitHealthyAsync(TimeSpan.FromMinutes(2));
        using var client = await server.OperatorClientAsync();
        var ns = $"crash-{Guid.NewGuid():N}"[..16];
        var kubeconfig = await File.ReadAllTextAsync(cluster.KubeconfigPath);

        var first = await StartAsync(client, new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "registry.local/myapp:v1" });
        Assert.Equal("Succeeded", (string?)(await WaitForAsync(client, first, Finished))["run"]!["status"]);

        kubelet.PodReadyDelay = TimeSpan.FromDays(1); // held: the update's pods stay Pending until the server is killed
        var location = await StartAsync(client, new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "registry.local/myapp:v2" });
        await WaitForAsync(client, location, r => StatusOf(r, "rollout") is "Waiting" or "Running");
        var midway = (await GetDeploymentAsync(ns))!;
        Assert.Equal("registry.local/myapp:v2", Image(midway));
        Assert.True(((long?)midway["status"]?["updatedReplicas"] ?? 0) < 3, $"the update had rolled out before the kill: {midway["status"]}");
        await server.KillAsync();
        kubelet.PodReadyDelay = TimeSpan.FromSeconds(3); // released: the rollout goes on without the server, as a real one would
        output.WriteLine($"killed mid-rollout; the Deployment's status then: {midway["status"]?.ToJsonString()}");

        await server.RestartAsync();
        await server.WaitHealthyAsync(TimeSpan.FromMinutes(2));
        var run = await WaitForAsync(client, location, Finished);

        var audit = await client.GetStringAsync($"{location}/audit");
        Assert.True((string?)run["run"]!["status"] == "Succeeded", $"{run}\n{audit}\n{string.Join('\n', server.Lines.TakeLast(40))}");
        using var k8s = Client();
        var deployments = await k8s.ListAsync("apps/v1", (await k8s.ResolveAsync("apps/v1", "Deployment"))!, ns, null);
        Assert.Equal(["myapp"], deployments.Select(d => (string?)d["metadata"]!["name"]));
        var deployment = deployments[0];
        Assert.Equal("registry.local/myapp:v2", Image(deployment));
        var status = deployment["status"]!;
        Assert.Equal((long)deployment["metadata"]!["generation"]!, (long)status["observedGeneration"]!);
        Assert.Equal(3, (long)status["replicas"]!);
        Assert.Equal(3, (long)status["updatedReplicas"]!);
        Assert.Equal(3, (long)status["availableReplicas"]!);
        var replicaSets = await k8s.ListAsync("apps/v1", (await k8s.ResolveAsync("apps/v1", "ReplicaSet"))!, ns, "app=myapp");
        Assert.Equal(["registry.local/myapp:v1:0", "registry.local/myapp:v2:3"], replicaSets.Select(r => $"{Image(r)}:{(long?)r["spec"]!["replicas"]}").Order(StringComparer.Ordinal));
        var logs = await client.GetStringAsync($"{location}/logs.txt");
        Assert.Contains($"deployment/myapp -n {ns}: deployment \"myapp\" successfully rolled out", logs, StringComparison.Ordinal);
    }

    private static bool Finished(JsonObject run) => (string?)run["run"]!["status"] is "Succeeded" or "Failed" or "Cancelled";

    private static string? StatusOf(JsonObject run, string step) => (string?)run["steps"]!.AsArray().SingleOrDefault(s => (string?)s!["stepId"] == step)?["status"];

    private static string? Image(JsonNode workload) => (string?)workload["spec"]!["template"]!["spec"]!["containers"]![0]!["image"];

    private KubernetesApiClient Client() =>
        new(new KubeconfigLoader().Load(new KubernetesAccessInputs { KubeconfigPath = cluster.KubeconfigPath }), new NullAudit(), TimeSpan.FromSeconds(10));

    private async Task<JsonObject?> GetDeploymentAsync(string ns)
    {
        using var k8s = Client();
        return await k8s.GetAsync(new ObjectRef("apps/v1", "Deployment", ns, "myapp"), (await k8s.ResolveAsync("apps/v1", "Deployment"))!);
    }

    private static async Task<string> StartAsync(HttpClient client, JsonObject inputs)
    {
        using var r = await client.PostAsJsonAsync("/api/workflows/deploy-k8s-app/runs", new JsonObject { ["inputs"] = inputs });
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
        return r.Headers.Location!.ToString();
    }

    private static async Task<JsonObject> WaitForAsync(HttpClient client, string location, Func<JsonObject, bool> condition)
    {
        JsonObject? last = null;
        for (var i = 0; i < 1800; i++)
        {
            last = await client.GetFromJsonAsync<JsonObject>(location);
            if (condition(last!))
            {
                return last!;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} never got there: {last}");
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
