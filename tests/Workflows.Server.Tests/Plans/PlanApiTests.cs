using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflows.OpenStack.Sandbox;
using Workflows.Server.Hosting;
using Workflows.Server.Tests.Platform;

namespace Workflows.Server.Tests.Plans;

/// <summary>Plans of the shipped workflows against the built-in sandbox, through the REST API (issue 14).</summary>
public sealed class PlanApiTests(PlanApiTests.Factory server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PlanApiTests.Factory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private OpenStackSandboxHost Sandbox => server.Services.GetServices<IHostedService>().OfType<SandboxCloud>().Single().Host!;

    [Fact]
    public async Task PlanOfBootVm_ResolvesFlavorImageAndNetwork_AndKnowsTheServerIdOnlyAfterTheServerStep()
    {
        var plan = await PlanAsync("boot-vm", new JsonObject { ["name"] = Name() });

        var server = Step(plan, "server");
        Assert.Equal("Create", (string?)server["plan"]!["action"]);
        Assert.StartsWith("m1.tiny (id 1): 1 vCPU, 512 MB RAM, 1 GB disk", Check(server, "flavor", "Passed"), StringComparison.Ordinal);
        Assert.StartsWith("cirros (id ", Check(server, "image", "Passed"), StringComparison.Ordinal);
        Assert.StartsWith("private (id ", Check(server, "networks[0]", "Passed"), StringComparison.Ordinal);
        Assert.Contains("this step needs 1", Check(server, "quota.instances", "Passed"), StringComparison.Ordinal);
        Assert.Contains("of 3000 MB RAM used", Check(server, "quota.ram", "Passed"), StringComparison.Ordinal);
        Assert.Equal("(known when the run starts)", (string?)server["inputs"]!["metadata"]!["run"]);

        var ip = Step(plan, "ip");
        Assert.Equal(["server"], ip["needs"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("(known after `server`)", (string?)ip["inputs"]!["serverId"]);
        Assert.Equal("Create", (string?)ip["plan"]!["action"]);
        Assert.StartsWith("public (id ", Check(ip, "network", "Passed"), StringComparison.Ordinal);
        Assert.Contains("the server's port is known after `server`", Check(ip, "port", "Deferred"), StringComparison.Ordinal);
        Assert.Contains("floating IPs used", Check(ip, "quota.floatingip", "Passed"), StringComparison.Ordinal);

        Assert.Equal(2, (int?)plan["summary"]!["create"]);
        Assert.Equal(0, (int?)plan["summary"]!["errors"]);
    }

    [Fact]
    public async Task Planning_SendsTheSandboxNoWrite_OnlyATokenRequest()
    {
        var mark = Sandbox.Requests.Count;

        var plan = await PlanAsync("boot-vm", new JsonObject { ["name"] = Name() });
        var requests = Sandbox.Requests.Since(mark);

        Assert.Equal(0, (int?)plan["summary"]!["errors"]);
        Assert.Contains(requests, r => r.Path.StartsWith("/compute/", StringComparison.Ordinal)); // it did read the cloud
        // Keystone's POST /v3/auth/tokens (authentication) is the only write-verb call a plan may make.
        var writes = requests.Where(r => r.Method is not ("GET" or "HEAD") && !(r.Method == "POST" && r.Path == "/identity/v3/auth/tokens")).ToList();
        Assert.True(writes.Count == 0, "writes during the plan: " + string.Join(", ", writes.Select(w => $"{w.Method} {w.Path}")));
    }

    [Fact]
    public async Task PlanOfBootVm_ReportsAMissingFlavor_OnWithFlavor_NamingTheFlavorsThatExist()
    {
        var plan = await PlanAsync("boot-vm", new JsonObject { ["name"] = Name(), ["flavor"] = "m1.huge" });

        var problem = Problem(Step(plan, "server"), "with.flavor");
        Assert.Equal("Error", (string?)problem["severity"]);
        Assert.Equal("flavor 'm1.huge' does not exist in cloud sandbox; its flavors are: m1.medium, m1.small, m1.tiny", (string?)problem["message"]);
        Assert.Equal(1, (int?)plan["summary"]!["errors"]);
    }

    [Fact]
    public async Task PlanOfBootVm_ReportsExhaustedRamQuota_OnWithFlavor()
    {
        // The sandbox's RAM quota is 3000 MB here: m1.medium (4096 MB) never fits.
        var plan = await PlanAsync("boot-vm", new JsonObject { ["name"] = Name(), ["flavor"] = "m1.medium" });

        var problem = Problem(Step(plan, "server"), "with.flavor");
        Assert.StartsWith("quota exhausted: ", (string?)problem["message"], StringComparison.Ordinal);
        Assert.EndsWith("of 3000 MB RAM used, " + (3000 - UsedRam(problem)) + " left; this step needs 4096", (string?)problem["message"], StringComparison.Ordinal);
        Assert.Equal("Failed", Outcome(Step(plan, "server"), "quota.ram"));
    }

    [Fact]
    public async Task PlanOfBootVm_ReportsATakenName_OnceARunBootedAServerWithIt()
    {
        var name = Name();
        var start = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var run = await WaitAsync(start.Headers.Location!.ToString());

        var plan = await PlanAsync("boot-vm", new JsonObject { ["name"] = name });

        var message = (string?)Problem(Step(plan, "server"), "with.name")["message"];
        Assert.StartsWith($"a server named '{name}' exists already in cloud sandbox (", message, StringComparison.Ordinal);
        Assert.Contains($"booted by run {run["run"]!["id"]}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsText_ReadsLikeTerraformPlan()
    {
        var name = Name();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/workflows/boot-vm/plan") { Content = JsonContent.Create(new JsonObject { ["inputs"] = new JsonObject { ["name"] = name } }) };
        request.Headers.Accept.ParseAdd("text/plain");

        var r = await Operator.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();

        output.WriteLine(text);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"  + nova.server \"{name}\" {{\n", text, StringComparison.Ordinal);
        Assert.Contains("  + neutron.floatingip \"for server (known after `server`)\" {\n", text, StringComparison.Ordinal);
        Assert.Contains("        server  = (known after `server`)\n", text, StringComparison.Ordinal);
        Assert.Contains("    [ok] flavor: m1.tiny (id 1)", text, StringComparison.Ordinal);
        Assert.EndsWith("\nPlan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors.\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOfDeployMagnumCluster_CreatesTheTemplateAndTheCluster_AndIssuesCredentialsAfterIt()
    {
        var name = Name();
        var template = "tpl-" + name;

        var plan = await PlanAsync("deploy-magnum-cluster", new JsonObject { ["name"] = name, ["template"] = template });

        var cluster = Step(plan, "cluster");
        Assert.Equal("Create", (string?)cluster["plan"]!["action"]);
        var resources = cluster["plan"]!["resources"]!.AsArray();
        Assert.Equal([("magnum.clustertemplate", template, "Create"), ("magnum.cluster", name, "Create")], resources.Select(r => ((string?)r!["kind"], (string?)r["name"], (string?)r["action"])));
        Assert.Equal("fedora-coreos", (string?)resources[0]!["attributes"]!["image"]);
        Assert.Contains("os_distro fedora-coreos: Magnum has a driver for kubernetes", Check(cluster, "image", "Passed"), StringComparison.Ordinal);
        Assert.StartsWith("m1.small (id 2)", Check(cluster, "flavor", "Passed"), StringComparison.Ordinal);
        Assert.Contains("is external", Check(cluster, "externalNetwork", "Passed"), StringComparison.Ordinal);
        Assert.Equal($"no cluster is named '{name}'", Check(cluster, "name", "Passed"));

        var credentials = Step(plan, "credentials");
        Assert.Equal("NoChange", (string?)credentials["plan"]!["action"]);
        Assert.Equal("the cluster is known after `cluster`", Check(credentials, "cluster", "Deferred"));
        Assert.Equal(0, (int?)plan["summary"]!["errors"]);
    }

    [Fact]
    public async Task PlanOfDeployMagnumCluster_RefusesACoeTheImageHasNoDriverFor()
    {
        var name = Name();

        var plan = await PlanAsync("deploy-magnum-cluster", new JsonObject { ["name"] = name, ["template"] = "tpl-" + name, ["coe"] = "swarm-mode", ["image"] = "fedora-coreos" });

        Assert.Equal(
            "Magnum has no driver for COE swarm-mode on image fedora-coreos (os_distro fedora-coreos); it accepts: fedora-atomic",
            (string?)Problem(Step(plan, "cluster"), "with.coe")["message"]);
    }

    [Fact]
    public async Task PlanOfDeployMagnumCluster_RefusesADockerVolume_OnACloudWithoutBlockStorage()
    {
        var plan = await PlanAsync("deploy-magnum-cluster", new JsonObject { ["name"] = Name(), ["dockerVolumeSize"] = 10 });

        Assert.StartsWith("cloud sandbox has no block-storage (Cinder) endpoint", (string?)Problem(Step(plan, "cluster"), "with.dockerVolumeSize")["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_RefusesAnInvalidInput_AsARunStartWould()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/plan", new JsonObject { ["inputs"] = new JsonObject { ["name"] = "Not A Name" } });
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("'Not A Name' is not valid: expected a lowercase letter, then up to 62 lowercase letters, digits or '-'", (string?)body["errors"]!["inputs.name"]![0]);
    }

    [Fact]
    public async Task Plan_OfAnUnknownWorkflow_IsNotFound()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/no-such-workflow/plan", new JsonObject());

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Plan_NeedsTheOperatorRole_LikeARunStart()
    {
        var viewer = await server.ClientWith(ServerFactory.ViewerToken).PostAsJsonAsync("/api/workflows/boot-vm/plan", new JsonObject());
        var anonymous = await server.ClientWith(null).PostAsJsonAsync("/api/workflows/boot-vm/plan", new JsonObject());

        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Plan_StartsNoRun()
    {
        // Another test of this class starts a boot-vm run that may finish meanwhile: count runs, not their statuses.
        var before = await TotalAsync();

        await PlanAsync("boot-vm", new JsonObject { ["name"] = Name() });

        Assert.Equal(before, await TotalAsync());
    }

    private async Task<int?> TotalAsync() => (int?)(await Operator.GetFromJsonAsync<JsonObject>("/api/runs?workflow=boot-vm"))!["total"];

    private static string Name() => "plan-" + Guid.NewGuid().ToString("N")[..10];

    private static int UsedRam(JsonNode problem)
    {
        var m = System.Text.RegularExpressions.Regex.Match((string?)problem["message"] ?? "", @"exhausted: (\d+) of");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static JsonNode Step(JsonNode plan, string id) =>
        plan["steps"]!.AsArray().Single(s => (string?)s!["id"] == id)!;

    private static string Check(JsonNode step, string name, string outcome)
    {
        var check = step["plan"]!["checks"]!.AsArray().SingleOrDefault(c => (string?)c!["name"] == name)
            ?? throw new Xunit.Sdk.XunitException($"no check '{name}' in {step["plan"]}");
        Assert.True((string?)check["outcome"] == outcome, $"check {name} is {check["outcome"]}, expected {outcome}: {check["detail"]}");
        return (string?)check["detail"] ?? "";
    }

    private static string? Outcome(JsonNode step, string name) =>
        (string?)step["plan"]!["checks"]!.AsArray().Single(c => (string?)c!["name"] == name)!["outcome"];

    private static JsonNode Problem(JsonNode step, string field) =>
        step["plan"]!["problems"]!.AsArray().SingleOrDefault(p => (string?)p!["field"] == field)
            ?? throw new Xunit.Sdk.XunitException($"no problem on '{field}' in {step["plan"]}");

    private async Task<JsonNode> PlanAsync(string workflow, JsonObject inputs)
    {
        var r = await Operator.PostAsJsonAsync($"/api/workflows/{workflow}/plan", new JsonObject { ["inputs"] = inputs });
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task<JsonObject> WaitAsync(string location)
    {
        JsonObject? last = null;
        for (var i = 0; i < 1200; i++)
        {
            last = await Operator.GetFromJsonAsync<JsonObject>(location);
            var s = (string?)last!["run"]!["status"];
            if (s is "Succeeded" or "Failed" or "Cancelled")
            {
                Assert.True(s == "Succeeded", $"the run ended {s}: {last}");
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"the run did not finish: {last}");
    }

    /// <summary>The repository's workflows on the sandbox, with a RAM quota that m1.medium never fits.</summary>
    public sealed class Factory : PlatformFactory
    {
        protected override bool UsePostgres => false;

        protected override void ConfigureMore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureMore(builder);
            builder.UseSetting("Sandbox:Options:RamQuota", "3000");
        }
    }
}
