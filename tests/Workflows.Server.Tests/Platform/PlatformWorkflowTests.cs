using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Platform;

/// <summary>The server with the repository's workflows and the built-in OpenStack sandbox cloud.</summary>
public abstract class PlatformFactory : ServerFactory
{
    protected override string WorkflowsDirectory => FindRepositoryWorkflows();

    protected override bool SandboxEnabled => true;

    private static string FindRepositoryWorkflows()
    {
        var root = typeof(PlatformFactory).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var folder = Path.Combine(root, "workflows");
        return File.Exists(Path.Combine(folder, "boot-vm.yaml"))
            ? folder
            : throw new InvalidOperationException($"The repository's workflows/ folder was not found at {folder}");
    }
}

public sealed class SqlitePlatformFactory : PlatformFactory
{
    protected override bool UsePostgres => false;
}

public sealed class PostgresPlatformFactory : PlatformFactory
{
    public PostgresPlatformFactory()
    {
        if (Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES") is not { Length: > 0 })
        {
            throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set: run `bash .ci/test.sh` (it starts PostgreSQL).");
        }
    }
}

public sealed class SqlitePlatformWorkflowTests(SqlitePlatformFactory f) : PlatformWorkflowTests(f), IClassFixture<SqlitePlatformFactory>;

public sealed class PostgresPlatformWorkflowTests(PostgresPlatformFactory f) : PlatformWorkflowTests(f), IClassFixture<PostgresPlatformFactory>;

/// <summary>The shipped workflows, started through the REST API, against the sandbox cloud and the local Swarm.</summary>
public abstract class PlatformWorkflowTests(PlatformFactory server)
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task BootVm_FromTheApi_LeavesExactlyOneServerAndOneFloatingIp()
    {
        var name = $"vm-{Guid.NewGuid():N}"[..12];
        var run = await StartAndWaitAsync("boot-vm", new JsonObject { ["name"] = name }, "Succeeded");
        var server = Step(run, "server");
        Assert.Equal("ACTIVE", (string?)server["outputs"]!["status"]);
        var resources = await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{run["run"]!["id"]}/resources");
        Assert.Single(resources!, r => (string?)r!["kind"] == "nova.server" && r["deletedAt"] is null);
        Assert.Single(resources!, r => (string?)r!["kind"] == "neutron.floatingip" && r["deletedAt"] is null);
        var audit = await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{run["run"]!["id"]}/audit");
        Assert.Contains(audit!, a => (string?)a!["kind"] == "call" && ((string?)a["message"])!.Contains("POST /compute/v2.1/servers", StringComparison.Ordinal));
        Assert.DoesNotContain(audit!, a => a!.ToJsonString().Contains("sandbox-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BootVm_WhoseServerGoesToError_FailsWithNovasFault_AndDeletesTheServer()
    {
        var name = $"fail-{Guid.NewGuid():N}"[..12];
        var run = await StartAndWaitAsync("boot-vm", new JsonObject { ["name"] = name }, "Failed");
        var server = Step(run, "server");
        Assert.Equal("nova.fault", (string?)server["errorCode"]);
        Assert.Equal("Compensated", (string?)server["status"]);
        var resources = await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{run["run"]!["id"]}/resources");
        Assert.All(resources!.Where(r => (string?)r!["kind"] == "nova.server"), r => Assert.NotNull(r!["deletedAt"]));
    }

    [Fact]
    public async Task DeployMagnumCluster_FromTheApi_ReachesCreateComplete()
    {
        var name = $"swarm-{Guid.NewGuid():N}"[..12];
        var run = await StartAndWaitAsync("deploy-magnum-cluster", new JsonObject { ["name"] = name }, "Succeeded");
        var resources = await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{run["run"]!["id"]}/resources");
        Assert.Single(resources!, r => (string?)r!["kind"] == "magnum.cluster");
    }

    [Fact]
    public async Task RolloutApp_FromTheApi_RunsTheImageOnTheLocalSwarm()
    {
        var host = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_HOST")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_HOST is not set: run `bash .ci/test.sh` (it starts dockerd via .ci/services/docker.sh).");
        var service = $"e2e-{Guid.NewGuid():N}"[..12];
        try
        {
            var run = await StartAndWaitAsync("rollout-app", new JsonObject { ["service"] = service, ["image"] = "wf-test/busybox", ["tag"] = "v1", ["replicas"] = 2, ["dockerHost"] = host }, "Succeeded");
            Assert.Equal("Succeeded", (string?)Step(run, "rollout")["status"]);
            var image = Docker(host, $"service inspect {service} --format {{{{.Spec.TaskTemplate.ContainerSpec.Image}}}}");
            Assert.StartsWith("wf-test/busybox:v1", image, StringComparison.Ordinal);
            var running = Docker(host, $"service ps {service} --filter desired-state=running --format {{{{.CurrentState}}}}");
            Assert.Equal(2, running.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("Running", StringComparison.Ordinal)));
        }
        finally
        {
            Docker(host, $"service rm {service}", check: false);
        }
    }

    private static JsonObject Step(JsonObject run, string id) => (JsonObject)run["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == id)!;

    private static string Docker(string host, string args, bool check = true)
    {
        var psi = new ProcessStartInfo("docker", $"-H {host} {args}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {args} failed: {error}");
        }

        return output.Trim();
    }

    private async Task<JsonObject> StartAndWaitAsync(string workflow, JsonObject inputs, string status)
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
                    var audit = await Operator.GetStringAsync(location + "/audit");
                    throw new Xunit.Sdk.XunitException($"{workflow} ended {s}, expected {status}: {last}\n{audit}");
                }

                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{workflow} did not finish: {last}");
    }
}
