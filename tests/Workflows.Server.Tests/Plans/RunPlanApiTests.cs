using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Server.Tests.Platform;

namespace Workflows.Server.Tests.Plans;

/// <summary>A run started with "plan": true keeps the plan it was started with, in its record and its audit (issue 14).</summary>
public sealed class RunPlanApiTests(PlanApiTests.Factory server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PlanApiTests.Factory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task StartWithPlan_KeepsThePlanWithTheRun_AndSummarizesItInTheAudit()
    {
        var name = Name();

        var start = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = name }, ["plan"] = true });

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (string?)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"];
        var plan = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/plan"))!;
        Assert.Equal("boot-vm", (string?)plan["workflow"]);
        Assert.Equal(name, (string?)plan["inputs"]!["name"]);
        Assert.Equal(["server", "ip"], plan["steps"]!.AsArray().Select(s => (string?)s!["id"]));
        Assert.Equal(2, (int?)plan["summary"]!["create"]);
        var planned = Assert.Single(await AuditAsync(id!), a => (string?)a["kind"] == "run.planned");
        Assert.Equal("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings", (string?)planned["message"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{id}/plan");
        request.Headers.Accept.ParseAdd("text/plain");
        var text = await (await Operator.SendAsync(request)).Content.ReadAsStringAsync();
        output.WriteLine(text);
        Assert.Contains($"  + nova.server \"{name}\" {{\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nPlan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors.\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartWithPlan_IsRefusedWithThePlan_AndStartsNothing_WhenThePlanHasErrors()
    {
        // Other tests of this class start boot-vm runs that may finish meanwhile: count runs, not their statuses.
        var before = await TotalAsync();

        // The sandbox's RAM quota is 3000 MB in this factory: m1.medium (4096 MB) never fits.
        var start = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = Name(), ["flavor"] = "m1.medium" }, ["plan"] = true });

        var body = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, start.StatusCode);
        Assert.Equal("The plan has errors", (string?)body["title"]);
        Assert.Contains("overridePlanErrors", (string?)body["detail"], StringComparison.Ordinal);
        Assert.Equal(1, (int?)body["plan"]!["summary"]!["errors"]);
        Assert.Equal(before, await TotalAsync());
    }

    [Fact]
    public async Task StartWithPlan_StartsDespiteErrors_WhenOverridden_AndTheAuditSaysWhoOverrode()
    {
        var start = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = Name(), ["flavor"] = "m1.medium" }, ["plan"] = true, ["overridePlanErrors"] = true });

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (string?)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"];
        var planned = Assert.Single(await AuditAsync(id!), a => (string?)a["kind"] == "run.planned");
        Assert.StartsWith("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 1 error, 0 warnings; started by ", (string?)planned["message"], StringComparison.Ordinal);
        Assert.EndsWith(" despite 1 error (plan override)", (string?)planned["message"], StringComparison.Ordinal);
        Assert.Equal(1, (int?)(await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/plan"))!["summary"]!["errors"]);
    }

    [Fact]
    public async Task RunPlan_IsNotFound_ForARunStartedWithoutAPlan()
    {
        var start = await Operator.PostAsJsonAsync("/api/workflows/boot-vm/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = Name() } });
        var id = (string?)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"];

        var r = await Operator.GetAsync($"/api/runs/{id}/plan");

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("was started without a plan", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await AuditAsync(id!), a => (string?)a["kind"] == "run.planned");
    }

    private async Task<int?> TotalAsync() => (int?)(await Operator.GetFromJsonAsync<JsonObject>("/api/runs?workflow=boot-vm"))!["total"];

    private static string Name() => "runplan-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<List<JsonNode>> AuditAsync(string runId) =>
        [.. (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{runId}/audit"))!.Select(a => a!)];
}
