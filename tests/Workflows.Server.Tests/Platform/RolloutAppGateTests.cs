using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Platform;

/// <summary>The shipped <c>rollout-app</c>'s production gate: off by default; on, nothing is touched before an admin or platform-admins member other than the starter approves.</summary>
public sealed class RolloutAppGateTests(NoDockerPlatformFactory server) : IClassFixture<NoDockerPlatformFactory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task ProductionGate_WaitsForAnAdmin_WithTheRolloutInTheMessage_BeforeAnythingIsTouched()
    {
        var service = $"gate-{Guid.NewGuid():N}"[..12];
        var start = await Operator.PostAsJsonAsync("/api/workflows/rollout-app/runs", new JsonObject
        {
            // Port 9 (discard) has no Docker engine: had the gate let anything through, the image step would fail.
            ["inputs"] = new JsonObject { ["service"] = service, ["image"] = "nginx", ["tag"] = "1.27", ["dockerHost"] = "tcp://127.0.0.1:9", ["productionGate"] = true },
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (Guid)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var run = await WaitAsync(id, "WaitingForApproval");

        var pending = (JsonObject)Assert.Single((await Admin.GetFromJsonAsync<JsonArray>("/api/approvals"))!, p => (Guid)p!["runId"]! == id)!;
        Assert.Equal($"Roll out nginx:1.27 to Swarm service {service} (3 replicas, 1 at a time)?", (string?)pending["message"]);
        Assert.Equal("role admin or group platform-admins", (string?)pending["approvers"]);
        Assert.True((bool)pending["canApprove"]!);
        Assert.Equal("Pending", (string?)run["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "image")!["status"]);
        var byStarter = await Operator.PostAsJsonAsync($"/api/runs/{id}/steps/production-gate/approve", new { comment = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, byStarter.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await Admin.PostAsJsonAsync($"/api/runs/{id}/steps/production-gate/reject", new { comment = "not during the freeze" })).StatusCode);
        var done = await WaitAsync(id, "Failed");
        Assert.Equal("approval.rejected", (string?)done["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "production-gate")!["errorCode"]);
        Assert.Equal("Cancelled", (string?)done["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "image")!["status"]);
    }

    [Fact]
    public async Task ProductionGate_IsOffByDefault()
    {
        var definition = (await Operator.GetFromJsonAsync<JsonObject>("/api/workflows/rollout-app"))!;

        var input = definition["inputs"]!.AsArray().Single(i => (string?)i!["name"] == "productionGate")!;
        Assert.False((bool)input["default"]!);
    }

    private async Task<JsonObject> WaitAsync(Guid id, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;
            if ((string?)last["run"]!["status"] == status)
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"run {id} never became {status}: {last}");
    }
}
