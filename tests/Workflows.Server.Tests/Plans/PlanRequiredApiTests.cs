using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Server.Tests.Platform;

namespace Workflows.Server.Tests.Plans;

/// <summary>
/// <c>plan: required</c> through the API (issue 14): the run is planned at start, its plan is on record and in the
/// approvals inbox, and nothing is created before the plan is approved.
/// </summary>
public sealed class PlanRequiredApiTests(PlanRequiredApiTests.Factory server) : IClassFixture<PlanRequiredApiTests.Factory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task Start_WaitsForTheApprovalOfThePlan_WithThePlanOnRecordAndInTheInbox()
    {
        var name = Name();

        var id = await StartAsync(name);

        var run = await WaitAsync(id, r => Step(r, "plan-approval")["status"]?.GetValue<string>() == "Waiting");
        Assert.Equal("WaitingForApproval", (string?)run["run"]!["status"]);
        Assert.Equal("Pending", (string?)Step(run, "server")["status"]);
        var plan = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/plan"))!;
        Assert.Equal(["plan-approval", "server", "ip"], plan["steps"]!.AsArray().Select(s => (string?)s!["id"]));
        Assert.Contains(plan["steps"]![1]!["plan"]!["resources"]!.AsArray(), r => (string?)r!["name"] == name && string.Equals(r["action"]?.ToString(), "create", StringComparison.OrdinalIgnoreCase));
        var inbox = (await Admin.GetFromJsonAsync<JsonArray>("/api/approvals"))!;
        var pending = Assert.Single(inbox, a => (string?)a!["runId"] == id)!;
        Assert.Equal("plan-approval", (string?)pending["stepId"]);
        Assert.Equal("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings", (string?)pending["planSummary"]);
        Assert.Empty((await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/resources"))!);
        await Admin.PostAsJsonAsync($"/api/runs/{id}/cancel", new { reason = "done" });
    }

    [Fact]
    public async Task Approve_RunsThePlannedSteps()
    {
        var id = await StartAsync(Name());
        await WaitAsync(id, r => Step(r, "plan-approval")["status"]?.GetValue<string>() == "Waiting");

        var approve = await Admin.PostAsJsonAsync($"/api/runs/{id}/steps/plan-approval/approve", new { comment = "the plan is right" });

        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        var run = await WaitAsync(id, r => r["run"]!["status"]?.GetValue<string>() is "Succeeded" or "Failed");
        Assert.Equal("Succeeded", (string?)run["run"]!["status"]);
        var resources = (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/resources"))!;
        Assert.Equal(["neutron.floatingip", "nova.server"], resources.Select(r => (string?)r!["kind"]).Order());
    }

    [Fact]
    public async Task Reject_FailsTheRun_AndCreatesNothing()
    {
        var id = await StartAsync(Name());
        await WaitAsync(id, r => Step(r, "plan-approval")["status"]?.GetValue<string>() == "Waiting");

        var reject = await Admin.PostAsJsonAsync($"/api/runs/{id}/steps/plan-approval/reject", new { comment = "not this flavor" });

        Assert.True(reject.IsSuccessStatusCode, await reject.Content.ReadAsStringAsync());
        var run = await WaitAsync(id, r => r["run"]!["status"]?.GetValue<string>() is "Succeeded" or "Failed" or "Cancelled");
        Assert.Equal("Failed", (string?)run["run"]!["status"]);
        Assert.Equal("approval.rejected", (string?)Step(run, "plan-approval")["errorCode"]);
        Assert.Empty((await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/resources"))!);
        Assert.DoesNotContain((await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/audit"))!, a => (string?)a!["kind"] == "call" && ((string?)a["message"])!.Contains("POST /compute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_IsRefusedWithThePlan_WhenItHasErrors_EvenWithoutAskingForAPlan()
    {
        // The sandbox's RAM quota is 3000 MB in this factory: m1.medium (4096 MB) never fits.
        var start = await Operator.PostAsJsonAsync("/api/workflows/gated-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = Name(), ["flavor"] = "m1.medium" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, start.StatusCode);
        var body = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("The plan has errors", (string?)body["title"]);
        Assert.Equal(1, (int?)body["plan"]!["summary"]!["errors"]);
        Assert.StartsWith("server: ", (string?)Assert.Single(body["errors"]!.AsArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WarnsOfDrift_WhenTheNameWasTakenBehindItsBack_AndGoesOnAsTheActionDecides()
    {
        var name = Name();
        var id = await StartAsync(name);
        await WaitAsync(id, r => Step(r, "plan-approval")["status"]?.GetValue<string>() == "Waiting");
        var plan = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/plan"))!;
        Assert.Equal(0, (int?)plan["summary"]!["errors"]);

        // Someone else boots a server with the same name while the plan waits for its approval.
        var other = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = name } });
        var otherId = (string)(await other.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        Assert.Equal("Succeeded", (string?)(await WaitAsync(otherId, Finished))["run"]!["status"]);
        await Admin.PostAsJsonAsync($"/api/runs/{id}/steps/plan-approval/approve", new { comment = "go" });
        var run = await WaitAsync(id, Finished);

        var audit = (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/audit"))!;
        var drift = Assert.Single(audit, a => (string?)a!["kind"] == "step.drift")!;
        Assert.Equal("server", (string?)drift["stepId"]);
        Assert.StartsWith("Step 'server' drifted from the plan made at ", (string?)drift["message"], StringComparison.Ordinal);
        Assert.Contains("check name: passed then (no server is named", (string?)drift["message"], StringComparison.Ordinal);
        Assert.Contains($"failed now (a server named '{name}' exists already in cloud sandbox", (string?)drift["message"], StringComparison.Ordinal);
        var log = await Operator.GetStringAsync($"/api/runs/{id}/logs.txt");
        Assert.Contains("WARNING drift: Step 'server' drifted from the plan", log, StringComparison.Ordinal);
        Assert.Contains(Step(run, "server")["status"]!.GetValue<string>(), new[] { "Succeeded", "Failed", "Compensated" });
        Assert.NotEmpty(Step(run, "server")["attempts"]!.AsArray());
    }

    private static bool Finished(JsonObject r) => r["run"]!["status"]?.GetValue<string>() is "Succeeded" or "Failed" or "Cancelled";

    private async Task<string> StartAsync(string name)
    {
        var start = await Operator.PostAsJsonAsync("/api/workflows/gated-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return (string)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private async Task<JsonObject> WaitAsync(string id, Func<JsonObject, bool> until)
    {
        var stop = DateTime.UtcNow.AddSeconds(60);
        JsonObject? last = null;
        while (DateTime.UtcNow < stop)
        {
            last = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;
            if (until(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"Run {id} did not reach the expected state: {last}");
    }

    private static JsonObject Step(JsonObject run, string id) => run["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == id)!.AsObject();

    private static string Name() => "gated-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The shipped boot-vm with <c>plan: required</c>, on the sandbox with a RAM quota that m1.medium never fits.</summary>
    public sealed class Factory : ServerFactory
    {
        private readonly string workflows = Directory.CreateTempSubdirectory("wf-gated-").FullName;

        public Factory()
        {
            var boot = File.ReadAllText(Path.Combine(PlatformFactory.RepositoryRoot, "workflows", "boot-vm.yaml"));
            File.WriteAllText(Path.Combine(workflows, "gated-vm.yaml"), boot.Replace("name: boot-vm\n", "name: gated-vm\nplan: required\n", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(workflows, "boot-vm.yaml"), boot);
        }

        protected override string WorkflowsDirectory => workflows;

        protected override bool SandboxEnabled => true;

        protected override bool UsePostgres => false;

        protected override void ConfigureMore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureMore(builder);
            builder.UseSetting("Sandbox:Options:RamQuota", "3000");
        }
    }
}
