using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Apis;

/// <summary>Approval policies through the API, the WaitingForApproval status and the <c>GET /api/approvals</c> inbox (issues 15 and 16).</summary>
public sealed class ApprovalsApiTests(ApprovalsApiTests.Factory server) : IClassFixture<ApprovalsApiTests.Factory>
{
    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    [Fact]
    public async Task Decide_AnswersForbidden_WithTheReasonAndThePolicy_AndChangesNothing()
    {
        var run = await StartWaitingAsync(Admin, "admins-only");

        var notApprover = await Operator.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { comment = "let me" });
        var self = await Admin.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { comment = "mine" });

        Assert.Equal(HttpStatusCode.Forbidden, notApprover.StatusCode);
        Assert.Equal("application/problem+json", notApprover.Content.Headers.ContentType?.MediaType);
        var problem = (await notApprover.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Approvers are role admin; token:operator is none of them.", (string?)problem["detail"]);
        Assert.Equal("Approvers are role admin; 1 approval is needed; the run's starter may not approve it; rejected when it expires.", (string?)problem["policy"]);
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("You started this run; self-approval is not allowed.", (string?)(await self.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        var reject = await Operator.PostAsJsonAsync($"/api/runs/{run}/steps/gate/reject", new { comment = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, reject.StatusCode);

        var detail = (await Viewer.GetFromJsonAsync<JsonObject>($"/api/runs/{run}"))!;
        Assert.Equal("WaitingForApproval", (string?)detail["run"]!["status"]);
        var audit = (await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/audit"))!;
        Assert.DoesNotContain(audit, a => (string?)a!["kind"] is "approval.approved" or "approval.rejected");

        // Nothing changed, but who tried and why is on record: one refusal per refused request.
        Assert.Equal(3, audit.Count(a => (string?)a!["kind"] == "approval.refused"));
        Assert.Equal(HttpStatusCode.Accepted, (await Admin.PostAsJsonAsync($"/api/runs/{run}/cancel", new { reason = "done" })).StatusCode);
    }

    [Fact]
    public async Task Inbox_ListsThePendingApproval_AndSaysWhoMayDecide_ThenTheApproverDecides()
    {
        var run = await StartWaitingAsync(Admin, "operator-gate");

        var forOperator = await PendingAsync(Operator, run);
        var forAdmin = await PendingAsync(Admin, run);
        var forViewer = await PendingAsync(Viewer, run);

        Assert.Equal("operator-gate", (string?)forOperator["workflow"]);
        Assert.Equal("gate", (string?)forOperator["stepId"]);
        Assert.Equal("Ship build 42?", (string?)forOperator["message"]);
        Assert.Equal("token:admin", (string?)forOperator["requestedBy"]);
        Assert.NotNull(forOperator["since"]);
        Assert.NotNull(forOperator["expiresAt"]);
        Assert.Equal((1, 0), ((int)forOperator["required"]!, forOperator["approvedBy"]!.AsArray().Count));
        Assert.Equal("user token:operator", (string?)forOperator["approvers"]);
        Assert.True((bool)forOperator["canApprove"]!);
        Assert.False((bool)forAdmin["canApprove"]!);
        Assert.Equal("Approvers are user token:operator; token:admin is none of them.", (string?)forAdmin["whyNot"]);
        Assert.False((bool)forViewer["canApprove"]!);
        Assert.Equal("Deciding needs the operator role; you are a viewer.", (string?)forViewer["whyNot"]);

        var waiting = (await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=operator-gate&status=WaitingForApproval&pageSize=500"))!;
        Assert.Contains(waiting["items"]!.AsArray(), i => (Guid)i!["id"]! == run && (string?)i["status"] == "WaitingForApproval");
        var running = (await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=operator-gate&status=Running&pageSize=500"))!;
        Assert.DoesNotContain(running["items"]!.AsArray(), i => (Guid)i!["id"]! == run);

        Assert.Equal(HttpStatusCode.Accepted, (await Operator.PostAsJsonAsync($"/api/runs/{run}/steps/gate/approve", new { comment = "ship it" })).StatusCode);
        await WaitForStatusAsync(run, "Succeeded");
        Assert.DoesNotContain((await Operator.GetFromJsonAsync<JsonArray>("/api/approvals"))!, p => (Guid)p!["runId"]! == run);
        var approved = Assert.Single((await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/audit"))!, a => (string?)a!["kind"] == "approval.approved")!;
        Assert.Equal("token:operator", (string?)approved["actor"]);
        Assert.Equal("user token:operator", (string?)approved["data"]!["via"]);
        Assert.Equal("ship it", (string?)approved["data"]!["comment"]);
    }

    [Fact]
    public async Task Inbox_RequiresSignIn() =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith(null).GetAsync("/api/approvals")).StatusCode);

    private static async Task<JsonObject> PendingAsync(HttpClient client, Guid run) =>
        (JsonObject)Assert.Single((await client.GetFromJsonAsync<JsonArray>("/api/approvals"))!, p => (Guid)p!["runId"]! == run)!;

    private async Task<Guid> StartWaitingAsync(HttpClient client, string workflow)
    {
        var r = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { inputs = new { build = 42 } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var id = (Guid)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await WaitForStatusAsync(id, "WaitingForApproval");
        return id;
    }

    private async Task WaitForStatusAsync(Guid id, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = (await Viewer.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;
            if ((string?)last["run"]!["status"] == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"run {id} never became {status}: {last}");
    }

    public sealed class Factory : ServerFactory
    {
        private readonly string folder = Directory.CreateTempSubdirectory("wf-approvals-").FullName;

        public Factory()
        {
            File.WriteAllText(Path.Combine(folder, "admins-only.yaml"), """
                name: admins-only
                inputs:
                  build: { type: int, default: 1 }
                steps:
                  - id: gate
                    uses: core.approval
                    with: { message: "Go on?", approvers: { roles: [admin] } }
                """);
            File.WriteAllText(Path.Combine(folder, "operator-gate.yaml"), """
                name: operator-gate
                inputs:
                  build: { type: int, default: 1 }
                steps:
                  - id: gate
                    uses: core.approval
                    with:
                      message: "Ship build ${{ inputs.build }}?"
                      approvers: { users: [token:operator] }
                """);
        }

        protected override string WorkflowsDirectory => folder;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
