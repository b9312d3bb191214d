using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Docker.DotNet;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Docker.Client;
using Workflows.Engine.Storage;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.OpenStack.Sandbox.Kubernetes;

namespace Workflows.Server.Tests.Apis;

/// <summary>
/// The Resources page's clean-up end to end for Docker and Kubernetes (issue 16, part 8), through the REST API of the real
/// server: a run creates a container, a Swarm stack (its service and network) on the test dockerd (.ci/services/docker.sh)
/// and a ConfigMap and a Deployment on a sandbox Kubernetes API server, then fails, leaving them orphaned;
/// <c>POST /api/resources/cleanup</c> deletes them in a generated run, dockerd and the API server no longer have them, and
/// the ledger rows are marked deleted; <c>POST /api/resources/check</c> marks what was deleted behind the server's back as gone.
/// </summary>
public sealed class PlatformResourceCleanupTests(PlatformResourceCleanupTests.Factory server) : IClassFixture<PlatformResourceCleanupTests.Factory>
{
    private static string DockerHost => Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_HOST")
        ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_HOST is not set: start dockerd with `bash .ci/services/docker.sh start` and load $WF_TEST_ENV (see .ci/test.sh).");

    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task Cleanup_DeletesOrphanedDockerAndKubernetesObjects_InOneRun_TheyAreGone_AndTheirRowsMarkedDeleted()
    {
        var (run, rows) = await OrphansAsync();
        var container = Row(rows, "docker.container");
        var service = Row(rows, "docker.service");
        var network = Row(rows, "docker.network");
        var configMap = Row(rows, "kubernetes.configmap");
        var deployment = Row(rows, "kubernetes.deployment.apps");
        var orphans = await Viewer.GetFromJsonAsync<JsonArray>("/api/resources?orphans=true");
        foreach (var row in new[] { container, service, network, configMap, deployment })
        {
            Assert.Contains(orphans!, e => (string?)e!["kind"] == (string?)row["kind"] && (string?)e["externalId"] == (string?)row["externalId"]);
        }

        // All at once, the Swarm service and its network included: docker.network.remove waits while the service being
        // removed beside it still uses the network (HTTP 400 "in use by service"), then removes it.
        var r = await Operator.PostAsJsonAsync("/api/resources/cleanup", new { resources = new[] { Key(container), Key(service), Key(network), Key(configMap), Key(deployment) } });

        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var cleanup = await WaitAsync(r.Headers.Location!.ToString(), "Succeeded");
        Assert.Equal("resource-cleanup", (string?)cleanup["run"]!["workflow"]);
        Assert.Equal(
            ["docker.container.remove", "docker.network.remove", "docker.service.remove", "kubernetes.object.delete", "kubernetes.object.delete"],
            cleanup["steps"]!.AsArray().Select(s => (string?)s!["uses"]).Order(StringComparer.Ordinal));
        Assert.All(cleanup["steps"]!.AsArray(), s => Assert.Equal("Succeeded", (string?)s!["status"]));

        using (var docker = Docker())
        {
            await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => docker.Containers.InspectContainerAsync((string)container["externalId"]!));
            Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAnyAsync<DockerApiException>(() => docker.Swarm.InspectServiceAsync((string)service["externalId"]!))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAnyAsync<DockerApiException>(() => docker.Networks.InspectNetworkAsync((string)network["externalId"]!))).StatusCode);
        }

        Assert.Null(await KubeGetAsync("v1", "ConfigMap", (string)configMap["externalId"]!));
        Assert.Null(await KubeGetAsync("apps/v1", "Deployment", (string)deployment["externalId"]!));
        var ledger = (await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/resources"))!;
        foreach (var row in new[] { container, service, network, configMap, deployment })
        {
            Assert.NotNull((string?)Row(ledger, (string)row["kind"]!)["deletedAt"]);
        }

        // The stack's row was not asked for and is still live; its parts are gone, so a check marks it gone.
        var stack = Row(ledger, "docker.stack");
        Assert.Null((string?)stack["deletedAt"]);
        var check = await Operator.PostAsJsonAsync("/api/resources/check", new { resources = new[] { Key(stack) } });
        Assert.Equal("0 present, 1 gone, 0 unknown", (string?)(await check.Content.ReadFromJsonAsync<JsonObject>())!["summary"]);
        Assert.NotNull((string?)Row((await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/resources"))!, "docker.stack")["deletedAt"]);
    }

    [Fact]
    public async Task Check_MarksAContainerAndAConfigMapDeletedBehindOurBack_AsGone_AndKeepsThePresentOnes()
    {
        var (run, rows) = await OrphansAsync();
        var container = Row(rows, "docker.container");
        var service = Row(rows, "docker.service");
        var configMap = Row(rows, "kubernetes.configmap");
        var deployment = Row(rows, "kubernetes.deployment.apps");
        using (var docker = Docker())
        {
            await docker.Containers.RemoveContainerAsync((string)container["externalId"]!, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        }

        using (var kube = Kube())
        {
            var (ns, name) = Split((string)configMap["externalId"]!);
            var info = (await kube.ResolveAsync("v1", "ConfigMap"))!;
            Assert.True(await kube.DeleteAsync(new ObjectRef("v1", "ConfigMap", ns, name), info, "Background"));
        }

        var r = await Operator.PostAsJsonAsync("/api/resources/check", new { resources = new[] { Key(container), Key(service), Key(configMap), Key(deployment) } });

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var result = (await r.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("2 present, 2 gone, 0 unknown", (string?)result["summary"]);
        var ledger = (await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/resources"))!;
        Assert.Equal("gone", (string?)Row(ledger, "docker.container")["properties"]!["deletedReason"]);
        Assert.Equal("gone", (string?)Row(ledger, "kubernetes.configmap")["properties"]!["deletedReason"]);
        Assert.Null((string?)Row(ledger, "docker.service")["deletedAt"]);
        Assert.Null((string?)Row(ledger, "kubernetes.deployment.apps")["deletedAt"]);
        Assert.Contains("resource.gone", await Viewer.GetStringAsync($"/api/runs/{run}/audit"), StringComparison.Ordinal);
        await RemoveStackAsync(rows);
    }

    [Fact]
    public async Task Cleanup_OfAnUnknownId_AKindWithoutADeleteAction_OrAnIncompleteKey_IsAProblemNamingEachItem_AndStartsNothing()
    {
        var (run, rows) = await OrphansAsync();
        var container = Row(rows, "docker.container");
        var volume = Guid.NewGuid().ToString("N");
        await using (var c = await server.Services.GetRequiredService<RunStore>().Database.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync(
                "INSERT INTO wf_resources (run_id, step_id, kind, provider, external_id, name, properties, created_at, deleted_at) VALUES (@run, 'container', 'docker.volume', @host, @volume, 'data', NULL, 0, NULL)",
                new { run, host = (string)container["provider"]!, volume });
        }

        var before = await CleanupRunsAsync();

        var r = await Operator.PostAsJsonAsync("/api/resources/cleanup", new
        {
            resources = new object[]
            {
                Key(container),
                new { kind = "docker.container", provider = (string)container["provider"]!, externalId = new string('f', 64) },
                new { kind = "kubernetes.configmap", provider = (string)Row(rows, "kubernetes.configmap")["provider"]!, externalId = "default/forged" },
                new { kind = "docker.volume", provider = (string)container["provider"]!, externalId = volume },
                new { kind = "docker.container", provider = (string)container["provider"]! },
            },
        });

        Assert.Equal((HttpStatusCode)422, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var errors = (await r.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.False(errors.ContainsKey("resources[0]"));
        Assert.Contains("is not in the resource ledger", (string?)errors["resources[1]"]![0], StringComparison.Ordinal);
        Assert.Contains("is not in the resource ledger", (string?)errors["resources[2]"]![0], StringComparison.Ordinal);
        Assert.Contains("kind docker.volume has no delete action", (string?)errors["resources[3]"]![0], StringComparison.Ordinal);
        Assert.Contains("give kind, provider and externalId", (string?)errors["resources[4]"]![0], StringComparison.Ordinal);
        Assert.Equal(before, await CleanupRunsAsync());
        using (var docker = Docker())
        {
            Assert.True((await docker.Containers.InspectContainerAsync((string)container["externalId"]!)).State.Running);
        }

        await RemoveStackAsync(rows);
        using (var docker = Docker())
        {
            await docker.Containers.RemoveContainerAsync((string)container["externalId"]!, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        }
    }

    private async Task<int> CleanupRunsAsync() =>
        (int)(await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=resource-cleanup&pageSize=500"))!["total"]!;

    private static object Key(JsonNode entry) => new { kind = (string?)entry["kind"], provider = (string?)entry["provider"], externalId = (string?)entry["externalId"] };

    private static JsonNode Row(JsonArray rows, string kind) => Assert.Single(rows, e => (string?)e!["kind"] == kind)!;

    private static (string? Namespace, string Name) Split(string externalId) =>
        externalId.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? (externalId[..i], externalId[(i + 1)..]) : (null, externalId);

    private IDockerClient Docker() => server.Services.GetRequiredService<IDockerClientFactory>().Create(new Workflows.Docker.DockerEndpointInputs { Host = DockerHost }).Client;

    private KubernetesApiClient Kube() =>
        new(new KubeconfigLoader().Load(new KubernetesAccessInputs { KubeconfigPath = server.Cluster.KubeconfigPath }), new NullAudit(), TimeSpan.FromSeconds(10));

    private async Task<JsonObject?> KubeGetAsync(string apiVersion, string kind, string externalId)
    {
        using var kube = Kube();
        var (ns, name) = Split(externalId);
        return await kube.GetAsync(new ObjectRef(apiVersion, kind, ns, name), (await kube.ResolveAsync(apiVersion, kind))!);
    }

    /// <summary>Removes a stack a test left (its services and network are orphans the test did not delete).</summary>
    private async Task RemoveStackAsync(JsonArray rows)
    {
        using var docker = Docker();
        await docker.Swarm.RemoveServiceAsync((string)Row(rows, "docker.service")["externalId"]!);
    }

    /// <summary>A run of <c>orphan-maker</c> that created its objects and failed: every one of them is an orphan.</summary>
    private async Task<(string RunId, JsonArray Rows)> OrphansAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var r = await Operator.PostAsJsonAsync("/api/workflows/orphan-maker/runs", new
        {
            inputs = new { host = DockerHost, app = $"wf-orph-{id}", stack = $"wfo{id}", kubeconfigPath = server.Cluster.KubeconfigPath, name = $"orph-{id}" },
        });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var run = (string)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var failed = await WaitAsync($"/api/runs/{run}", "Failed");
        Assert.Equal("Failed", (string?)failed["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "fail")!["status"]);
        var rows = (await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/resources"))!;
        Assert.All(rows, e => Assert.Null((string?)e!["deletedAt"]));
        return (run, rows);
    }

    private async Task<JsonObject> WaitAsync(string location, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 1800; i++)
        {
            last = await Viewer.GetFromJsonAsync<JsonObject>(location);
            if ((string?)last!["run"]!["status"] == status)
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not reach {status}: {last?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    public sealed class Factory : ServerFactory, IAsyncLifetime
    {
        private StandaloneKubernetesApi? cluster;

        public Factory()
        {
            Folder = Directory.CreateTempSubdirectory("wf-platform-cleanup-").FullName;
            Directory.CreateDirectory(Path.Combine(Folder, "workflows"));
            File.WriteAllText(Path.Combine(Folder, "workflows", "orphan-maker.yaml"), """
                name: orphan-maker
                description: Creates a container, a Swarm stack and Kubernetes objects with no compensation, then fails
                inputs:
                  host: { type: string, required: true }
                  app: { type: string, required: true }
                  stack: { type: string, required: true }
                  kubeconfigPath: { type: string, required: true }
                  name: { type: string, required: true }
                steps:
                  - id: container
                    uses: docker.container.run
                    with: { host: "${{ inputs.host }}", app: "${{ inputs.app }}", image: "wf-test/busybox:v1", command: [sleep, "86400"], networkMode: none }
                  - id: stack
                    uses: docker.stack.deploy
                    with:
                      host: ${{ inputs.host }}
                      stack: ${{ inputs.stack }}
                      compose: |
                        version: "3.8"
                        services:
                          app:
                            image: wf-test/busybox:v1
                            command: ["sleep", "86400"]
                            stop_grace_period: 1s
                            deploy:
                              replicas: 1
                  - id: objects
                    uses: kubernetes.apply
                    with:
                      kubeconfigPath: ${{ inputs.kubeconfigPath }}
                      namespace: default
                      manifest: |
                        apiVersion: v1
                        kind: ConfigMap
                        metadata: { name: "${{ inputs.name }}" }
                        data: { greeting: hello }
                        ---
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: { name: "${{ inputs.name }}" }
                        spec:
                          replicas: 1
                          selector: { matchLabels: { app: "${{ inputs.name }}" } }
                          template:
                            metadata: { labels: { app: "${{ inputs.name }}" } }
                            spec: { containers: [ { name: app, image: "cirros:latest" } ] }
                  - id: fail
                    needs: [container, stack, objects]
                    uses: core.http
                    with: { url: "http://127.0.0.1:1/", timeout: 2s }
                """);
        }

        public string Folder { get; }

        public StandaloneKubernetesApi Cluster => cluster ?? throw new InvalidOperationException("The cluster is not started.");

        protected override string WorkflowsDirectory => Path.Combine(Folder, "workflows");

        public async Task InitializeAsync() =>
            cluster = await KubernetesApiHost.StartStandaloneAsync(Path.Combine(Folder, "kube"), "sandbox", new KubernetesSandboxOptions { PodReadyDelay = TimeSpan.FromMilliseconds(300) });

        async Task IAsyncLifetime.DisposeAsync()
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
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
