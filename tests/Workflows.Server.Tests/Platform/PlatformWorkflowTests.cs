using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>The secret of the test's GitHub-style push hook onto ci-rollout.</summary>
    public const string HookSecret = "push-hook-secret-4e1d";

    protected override void ConfigureMore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        // A configured hook onto the shipped ci-rollout workflow that also pins the test's Docker endpoint.
        // The flow is under test, not this machine's size.
        builder.UseSetting("DevStack:MinCpus", "1");
        builder.UseSetting("DevStack:MinMemoryMiB", "256");
        builder.UseSetting("DevStack:MinFreeDiskGiB", "1");
        builder.UseSetting("Webhooks:Hooks:0:Name", "ci-push");
        builder.UseSetting("Webhooks:Hooks:0:Workflow", "ci-rollout");
        builder.UseSetting("Webhooks:Hooks:0:Secret", HookSecret);
        builder.UseSetting("Webhooks:Hooks:0:Provider", "github");
        builder.UseSetting("Webhooks:Hooks:0:Filter", "${{ payload.ref == 'refs/heads/main' }}");
        builder.UseSetting("Webhooks:Hooks:0:Inputs:service", "${{ payload.service }}");
        builder.UseSetting("Webhooks:Hooks:0:Inputs:image", "${{ payload.image.repository }}");
        builder.UseSetting("Webhooks:Hooks:0:Inputs:tag", "${{ payload.image.tag }}");
        builder.UseSetting("Webhooks:Hooks:0:Inputs:dockerHost", Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_HOST") ?? "");
    }

    /// <summary>Gets the repository's root, recorded at build time (the build output may be anywhere).</summary>
    public static string RepositoryRoot { get; } = typeof(PlatformFactory).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static string FindRepositoryWorkflows()
    {
        var folder = Path.Combine(RepositoryRoot, "workflows");
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

    [Fact]
    public async Task DeployComposeStack_FromTheApi_DeploysTheStackOnTheLocalSwarm_WithVariablesFromTheEnvInputAndTheDotEnv()
    {
        var host = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_HOST")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_HOST is not set: run `bash .ci/test.sh` (it starts dockerd via .ci/services/docker.sh).");
        var stack = $"cs{Guid.NewGuid():N}"[..12];
        var folder = Directory.CreateTempSubdirectory("wf-compose-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), """
            services:
              app:
                image: "wf-test/busybox:${TAG:?set TAG in .env}"
                command: ["sleep", "3600"]
                environment:
                  GREETING: ${GREETING:-hello}
                  PRICE: "$$5"
                deploy:
                  replicas: ${REPLICAS}
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, ".env"), "TAG=v1\nREPLICAS=1\n");
        try
        {
            var run = await StartAndWaitAsync("deploy-compose-stack", new JsonObject
            {
                ["stack"] = stack, ["composeFile"] = Path.Combine(folder, "compose.yaml"), ["dockerHost"] = host, ["env"] = "REPLICAS=2\nGREETING=from the run",
            }, "Succeeded");

            Assert.Equal($"{stack}_app", (string?)Step(run, "stack")["outputs"]!["services"]![0]);
            Assert.StartsWith("wf-test/busybox:v1", Docker(host, $"service inspect {stack}_app --format {{{{.Spec.TaskTemplate.ContainerSpec.Image}}}}"), StringComparison.Ordinal);
            Assert.Equal("2", Docker(host, $"service inspect {stack}_app --format {{{{.Spec.Mode.Replicated.Replicas}}}}"));
            var env = Docker(host, $"service inspect {stack}_app --format \"{{{{json .Spec.TaskTemplate.ContainerSpec.Env}}}}\"");
            Assert.Contains("GREETING=from the run", env, StringComparison.Ordinal);
            Assert.Contains("PRICE=$5", env, StringComparison.Ordinal);
        }
        finally
        {
            Docker(host, $"service rm {stack}_app", check: false);
            Docker(host, $"network rm {stack}_default", check: false);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DeployComposeStack_FromTheApi_FailsNamingTheVariableAndLine_WhenARequiredVariableIsMissing()
    {
        var folder = Directory.CreateTempSubdirectory("wf-compose-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), "services:\n  app:\n    image: \"wf-test/busybox:${TAG:?set TAG in .env}\"\n");
        try
        {
            var run = await StartAndWaitAsync("deploy-compose-stack", new JsonObject
            {
                ["stack"] = $"cs{Guid.NewGuid():N}"[..12], ["composeFile"] = Path.Combine(folder, "compose.yaml"), ["dockerHost"] = "tcp://127.0.0.1:9",
            }, "Failed");

            var step = Step(run, "stack");
            Assert.Equal("docker.compose.invalid", (string?)step["errorCode"]);
            Assert.Contains("required variable TAG is missing a value: set TAG in .env (services.app.image, line 3)", (string?)step["errorMessage"], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SignedPushWebhook_RollsTheNewImageOutToTheLocalSwarm_ThroughCiRollout()
    {
        var host = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_HOST")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_HOST is not set: run `bash .ci/test.sh` (it starts dockerd via .ci/services/docker.sh).");
        var service = $"hook-{Guid.NewGuid():N}"[..12];
        try
        {
            foreach (var tag in new[] { "v1", "v2" })
            {
                var body = new JsonObject { ["ref"] = "refs/heads/main", ["service"] = service, ["image"] = new JsonObject { ["repository"] = "wf-test/busybox", ["tag"] = tag } }.ToJsonString();
                var signature = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(PlatformFactory.HookSecret), System.Text.Encoding.UTF8.GetBytes(body)));
                using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/ci-push") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Hub-Signature-256", signature);
                request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
                request.Headers.Add("X-GitHub-Event", "push");
                var r = await server.ClientWith(null).SendAsync(request);
                Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
                var run = await WaitAsync(r.Headers.Location!.ToString(), "Succeeded");
                Assert.Equal("Webhook", (string?)run["run"]!["trigger"]!["kind"]);
                Assert.Equal("ci-push", (string?)run["run"]!["trigger"]!["actor"]);
                Assert.StartsWith($"wf-test/busybox:{tag}", Docker(host, $"service inspect {service} --format {{{{.Spec.TaskTemplate.ContainerSpec.Image}}}}"), StringComparison.Ordinal);
            }
        }
        finally
        {
            Docker(host, $"service rm {service}", check: false);
        }
    }

    [Fact]
    public async Task InstallDevstack_FromTheApi_RunsStackShOverSsh_StreamsItsLog_AndRegistersTheCloud()
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
            : throw new InvalidOperationException($"{name} is not set: run `bash .ci/test.sh` (it starts sshd via .ci/services/sshd.sh).");
        var work = Env("WORKFLOWS_TEST_SSH_WORKDIR");
        var bundle = StandInBundle(work);
        var cloud = $"devstack-{Guid.NewGuid():N}"[..16];
        var run = await StartAndWaitAsync("install-devstack", new JsonObject
        {
            ["host"] = Env("WORKFLOWS_TEST_SSH_HOST"),
            ["port"] = int.Parse(Env("WORKFLOWS_TEST_SSH_PORT"), System.Globalization.CultureInfo.InvariantCulture),
            ["user"] = Env("WORKFLOWS_TEST_SSH_USER"),
            ["privateKey"] = await File.ReadAllTextAsync(Env("WORKFLOWS_TEST_SSH_KEY")),
            ["hostKeyFingerprint"] = Env("WORKFLOWS_TEST_SSH_HOSTKEY_FINGERPRINT"),
            ["repositoryUrl"] = bundle,
            ["hostIp"] = "127.0.0.1",
            ["plugins"] = "heat",
            ["cloudName"] = cloud,
            ["stackUser"] = Env("WORKFLOWS_TEST_SSH_STACK_USER"),
            ["stackHome"] = Path.Combine(work, "api-stack-" + Guid.NewGuid().ToString("N")[..8]),
        }, "Succeeded");

        var step = Step(run, "devstack");
        Assert.Equal(cloud, (string?)step["outputs"]!["cloudName"]);
        Assert.Equal("***", (string?)step["outputs"]!["adminPassword"]);
        var id = (string)run["run"]!["id"]!;
        var log = await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/logs");
        Assert.True(log!["chunks"]!.AsArray().Count >= 2, "the log arrived in several chunks while stack.sh ran");
        var clouds = server.Services.GetRequiredService<Workflows.Abstractions.Clouds.ICloudCatalog>().List();
        Assert.Contains(clouds, c => c.Name == cloud);
    }

    private static string StandInBundle(string work)
    {
        // The DevStack tests' stand-in devstack, committed into a git bundle the stack user can read.
        var root = PlatformFactory.RepositoryRoot;
        var repo = Path.Combine(work, "api-standin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(repo);
        foreach (var f in Directory.GetFiles(Path.Combine(root, "tests", "Workflows.DevStack.Tests", "StandIn")))
        {
            File.Copy(f, Path.Combine(repo, Path.GetFileName(f)));
        }

        Run("git", "-C", repo, "init", "--quiet", "--initial-branch=master");
        Run("git", "-C", repo, "add", "--chmod=+x", "stack.sh", "unstack.sh", "clean.sh");
        Run("git", "-C", repo, "add", "README.md");
        Run("git", "-C", repo, "-c", "user.name=tests", "-c", "user.email=tests@localhost", "commit", "--quiet", "-m", "stand-in devstack");
        Run("git", "-C", repo, "branch", "stable/2025.1");
        Run("git", "-C", repo, "bundle", "create", "--quiet", repo + ".bundle", "--all");
        Run("chmod", "a+r", repo + ".bundle");
        return repo + ".bundle";
    }

    private static void Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
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
        return await WaitAsync(r.Headers.Location!.ToString(), status, workflow);
    }

    private async Task<JsonObject> WaitAsync(string location, string status, string workflow = "run")
    {
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
                    var log = File.Exists(server.LogFile) ? await File.ReadAllTextAsync(server.LogFile) : "";
                    throw new Xunit.Sdk.XunitException($"{workflow} ended {s}, expected {status}: {last}\n{audit}\nServer log (end):\n{log[Math.Max(0, log.Length - 4000)..]}");
                }

                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{workflow} did not finish: {last}");
    }
}
