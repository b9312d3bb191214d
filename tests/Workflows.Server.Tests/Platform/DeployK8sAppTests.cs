using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Xunit.Abstractions;

namespace Workflows.Server.Tests.Platform;

public sealed class SqliteDeployK8sAppTests(SqlitePlatformFactory f, ITestOutputHelper o) : DeployK8sAppTests(f, o), IClassFixture<SqlitePlatformFactory>;

public sealed class PostgresDeployK8sAppTests(PostgresPlatformFactory f, ITestOutputHelper o) : DeployK8sAppTests(f, o), IClassFixture<PostgresPlatformFactory>;

/// <summary>
/// The shipped <c>deploy-k8s-app</c> started through the REST API against a sandbox Kubernetes API server, with the
/// kubeconfig passed as a secret input the way a user pastes one.
/// </summary>
public abstract class DeployK8sAppTests(PlatformFactory server, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-k8s-app-").FullName;
    private StandaloneKubernetesApi cluster = null!;

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    public async Task InitializeAsync() =>
        cluster = await KubernetesApiHost.StartStandaloneAsync(folder, "sandbox", new KubernetesSandboxOptions { PodReadyDelay = TimeSpan.FromMilliseconds(300), CrashLoopRestartInterval = TimeSpan.FromMilliseconds(500) });

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task DeployK8sApp_FromTheApi_RollsTheAppOut_KeepingTheKubeconfigSecret()
    {
        var ns = $"app-{Guid.NewGuid():N}"[..16];
        var kubeconfig = await File.ReadAllTextAsync(cluster.KubeconfigPath);

        var run = await StartAndWaitAsync(new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig }, "Succeeded");

        var objects = Step(run, "apply")["outputs"]!["objects"]!.AsArray();
        Assert.Equal(["Namespace", "Deployment", "Service"], objects.Select(o => (string?)o!["kind"]));
        var deployment = (await GetAsync("apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal("cirros:latest", (string?)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal(3, (long)deployment["status"]!["availableReplicas"]!);

        var id = (string)run["run"]!["id"]!;
        var resources = await Operator.GetStringAsync($"/api/runs/{id}/resources");
        Assert.Contains($"{ns}/myapp", resources, StringComparison.Ordinal);
        var logs = await Operator.GetStringAsync($"/api/runs/{id}/logs.txt");
        var everything = string.Join("\n", run.ToJsonString(), resources, await Operator.GetStringAsync($"/api/runs/{id}/audit"), logs);
        Assert.DoesNotContain(cluster.ClientKeyPem.Split('\n')[1], everything, StringComparison.Ordinal);
        Assert.DoesNotContain("client-key-data", everything, StringComparison.Ordinal);
        Assert.True(logs.Contains($"deployment/myapp -n {ns}: deployment \"myapp\" successfully rolled out", StringComparison.Ordinal), logs);
    }

    [Fact]
    public async Task DeployK8sApp_WithAnImageThatCrashes_FailsWithTheReason_AndDeletesWhatItCreated()
    {
        var ns = $"bad-{Guid.NewGuid():N}"[..16];
        var kubeconfig = await File.ReadAllTextAsync(cluster.KubeconfigPath);

        var run = await StartAndWaitAsync(new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "fail-app:1", ["replicas"] = 2, ["progressDeadlineSeconds"] = 2 }, "Failed");

        var rollout = Step(run, "rollout");
        Assert.Equal("kubernetes.rollout_failed", (string?)rollout["errorCode"]);
        Assert.Contains("exceeded its progress deadline", (string?)rollout["errorMessage"], StringComparison.Ordinal);
        Assert.Contains("CrashLoopBackOff", (string?)rollout["errorMessage"], StringComparison.Ordinal);
        Assert.Equal("Succeeded", (string?)Step(run, "compensate:apply")["status"]);
        Assert.Null(await GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.Null(await GetAsync("v1", "Namespace", null, ns));
    }

    [Fact]
    public async Task DeployK8sApp_CancelledMidRolloutOfAnUpdate_RestoresThePreviousImage_AndWaitsForThatRollout()
    {
        // The update is held mid-rollout, not raced: its pods stay Pending until the test lets them become Ready (the
        // sandbox reads PodReadyDelay at each pass), so the cancel surely lands while the update (maxSurge 1,
        // maxUnavailable 0) has its new pod Pending. A window of a few seconds was missed on a loaded machine.
        var folder = Directory.CreateTempSubdirectory("wf-k8s-cancel-").FullName;
        var kubelet = new KubernetesSandboxOptions { PodReadyDelay = TimeSpan.FromMilliseconds(300) };
        await using var slow = await KubernetesApiHost.StartStandaloneAsync(folder, "slow", kubelet);
        var ns = $"upd-{Guid.NewGuid():N}"[..16];
        var kubeconfig = await File.ReadAllTextAsync(slow.KubeconfigPath);
        var first = await StartAndWaitAsync(new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "registry.local/myapp:v1" }, "Succeeded");
        Report("3-replica first rollout", Step(first, "rollout"));

        kubelet.PodReadyDelay = TimeSpan.FromDays(1); // held: the update's pods stay Pending
        var location = await StartAsync(new JsonObject { ["namespace"] = ns, ["kubeconfig"] = kubeconfig, ["image"] = "registry.local/myapp:v2" });
        var rolling = await WaitForAsync(location, r => r["steps"]!.AsArray().Any(s => (string?)s!["stepId"] == "rollout" && (string?)s["status"] is "Waiting" or "Running"));
        var midway = (await GetAsync(slow.KubeconfigPath, "apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal("registry.local/myapp:v2", Image(midway));
        Assert.True(((long?)midway["status"]?["updatedReplicas"] ?? 0) < 3, $"the update had already rolled out before the cancel: {midway["status"]}");
        using (var cancelled = await Operator.PostAsync($"{location}/cancel", null))
        {
            Assert.True(cancelled.IsSuccessStatusCode, $"cancel answered {(int)cancelled.StatusCode}: {await cancelled.Content.ReadAsStringAsync()}");
        }

        kubelet.PodReadyDelay = TimeSpan.FromSeconds(2); // released: the undo's rollout has pods that take time again

        var run = await WaitForAsync(location, r => (string?)r["run"]!["status"] is "Succeeded" or "Failed" or "Cancelled");
        Assert.Equal("Cancelled", (string?)run["run"]!["status"]);
        Assert.Equal("Cancelled", (string?)Step(run, "rollout")["status"]);
        var undo = Step(run, "compensate:apply");
        Assert.Equal("Succeeded", (string?)undo["status"]);
        Report("undo of a 3-replica update", undo);
        Assert.Contains($"deployment/myapp -n {ns}", undo["outputs"]!["restored"]!.AsArray().Select(o => (string?)o), StringComparer.Ordinal);

        var deployment = (await GetAsync(slow.KubeconfigPath, "apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal("registry.local/myapp:v1", Image(deployment));
        var status = deployment["status"]!;
        Assert.Equal((long)deployment["metadata"]!["generation"]!, (long)status["observedGeneration"]!);
        Assert.Equal(3, (long)status["replicas"]!);
        Assert.Equal(3, (long)status["updatedReplicas"]!);
        Assert.Equal(3, (long)status["availableReplicas"]!);
        var logs = await Operator.GetStringAsync($"{location}/logs.txt");
        Assert.Contains($"deployment/myapp -n {ns}: restored to its previous state", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlatformFromScratch_WithItsDefaults_EndsWithTheAppRolledOutOnAMagnumKubernetesCluster()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];

        var run = await StartAndWaitAsync(new JsonObject { ["serverName"] = $"bastion-{suffix}", ["cluster"] = $"platform-{suffix}" }, "Succeeded", "platform-from-scratch");

        Assert.Equal("Skipped", (string?)Step(run, "app")["status"]);
        Assert.Equal("Succeeded", (string?)Step(run, "apply")["status"]);
        Assert.Equal(["deployment/web -n default"], Step(run, "rollout")["outputs"]!["workloads"]!.AsArray().Select(w => (string?)w));
        var credentials = Step(run, "credentials")["outputs"]!;
        Assert.Equal("kubernetes", (string?)credentials["coe"]);
        Assert.StartsWith("https://127.0.0.1:", (string?)credentials["apiAddress"], StringComparison.Ordinal);
        var resources = await Operator.GetStringAsync($"/api/runs/{(string)run["run"]!["id"]!}/resources");
        Assert.Contains("kubernetes.deployment", resources, StringComparison.Ordinal);
        Assert.Contains("magnum.cluster", resources, StringComparison.Ordinal);
    }

    private static string? Image(JsonObject deployment) => (string?)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"];

    private Task<JsonObject?> GetAsync(string apiVersion, string kind, string? ns, string name) => GetAsync(cluster.KubeconfigPath, apiVersion, kind, ns, name);

    private static async Task<JsonObject?> GetAsync(string kubeconfigPath, string apiVersion, string kind, string? ns, string name)
    {
        using var client = new KubernetesApiClient(new KubeconfigLoader().Load(new KubernetesAccessInputs { KubeconfigPath = kubeconfigPath }), new NullAudit(), TimeSpan.FromSeconds(10));
        return await client.GetAsync(new ObjectRef(apiVersion, kind, ns, name), (await client.ResolveAsync(apiVersion, kind))!);
    }

    /// <summary>Writes how long a step took (first start to finish) to the test output: the measured times of the report.</summary>
    private void Report(string what, JsonObject step) =>
        output.WriteLine($"{what}: {((DateTimeOffset)step["finishedAt"]! - (DateTimeOffset)step["startedAt"]!).TotalSeconds:0.00} s");

    private async Task<string> StartAsync(JsonObject inputs, string workflow = "deploy-k8s-app")
    {
        var r = await Operator.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new JsonObject { ["inputs"] = inputs });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        return r.Headers.Location!.ToString();
    }

    private async Task<JsonObject> WaitForAsync(string location, Func<JsonObject, bool> condition)
    {
        JsonObject? last = null;
        for (var i = 0; i < 1200; i++)
        {
            last = await Operator.GetFromJsonAsync<JsonObject>(location);
            if (condition(last!))
            {
                return last!;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} never got there: {last}");
    }

    private static JsonObject Step(JsonObject run, string id) => (JsonObject)run["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == id)!;

    private async Task<JsonObject> StartAndWaitAsync(JsonObject inputs, string status, string workflow = "deploy-k8s-app")
    {
        var r = await Operator.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new JsonObject { ["inputs"] = inputs });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();
        JsonObject? last = null;
        for (var i = 0; i < 1200; i++)
        {
            last = await Operator.GetFromJsonAsync<JsonObject>(location);
            var s = (string?)last!["run"]!["status"];
            if (s is "Succeeded" or "Failed" or "Cancelled")
            {
                if (s != status)
                {
                    throw new Xunit.Sdk.XunitException($"{workflow} ended {s}, expected {status}: {last}\n{await Operator.GetStringAsync(location + "/audit")}");
                }

                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{workflow} did not finish: {last}");
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
