using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Workflows.Server.Tests.Apis;

/// <summary><c>POST /api/runs/bulk</c>: cancel, retry, approve or reject many runs in one request (issue 15, part 4).</summary>
public sealed class BulkRunsTests(BulkRunsTests.Factory server, ITestOutputHelper output) : IClassFixture<BulkRunsTests.Factory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task Cancel_AThousandWaitingRuns_ByFilter_InOneRequest_EachAuditedAsPartOfTheBulk()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ids = await StartAsync("many", 1000);
        output.WriteLine($"1,000 runs started and waiting in {watch.Elapsed.TotalSeconds:0.0} s");
        watch.Restart();

        var client = Operator;
        client.Timeout = TimeSpan.FromMinutes(10); // the request must finish, not race a default deadline on a loaded machine
        var r = await client.PostAsJsonAsync("/api/runs/bulk", new { action = "cancel", filter = new { workflow = "many", status = "Running,WaitingForApproval" }, comment = "maintenance window" });
        var body = await r.Content.ReadFromJsonAsync<JsonObject>();
        output.WriteLine($"the bulk cancel answered in {watch.Elapsed.TotalSeconds:0.0} s (reported, not asserted)");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1000, (int)body!["total"]!);
        Assert.Equal(1000, (int)body["ok"]!);
        var results = body["results"]!.AsArray();
        Assert.Equal(ids.ToHashSet(), results.Select(x => (Guid)x!["runId"]!).ToHashSet());
        Assert.All(results, x => Assert.Equal("Ok", (string?)x!["result"]));
        var bulkId = (string)body["bulkId"]!;
        foreach (var id in new[] { ids[0], ids[499], ids[999] })
        {
            var audit = (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{id}/audit"))!;
            var bulk = Assert.Single(audit, a => (string?)a!["kind"] == "run.bulk");
            Assert.Equal("token:operator", (string?)bulk!["actor"]);
            Assert.Contains(bulkId, (string?)bulk["message"], StringComparison.Ordinal);
            Assert.Contains(audit, a => (string?)a!["kind"] == "run.cancel.requested" && ((string?)a["message"])!.Contains("maintenance window", StringComparison.Ordinal));
        }

        await WaitForCountAsync("many", "Cancelled", 1000);
    }

    [Fact]
    public async Task Approve_ByIds_ReportsEachRun_OkSkippedOrError()
    {
        var waiting = await StartAsync("few", 2);
        var finished = (await StartAsync("few", 1))[0];
        await Post(new { action = "approve", ids = new[] { finished } });
        await WaitForStatusAsync(finished, "Succeeded");
        var unknown = Guid.NewGuid();

        var r = await Operator.PostAsJsonAsync("/api/runs/bulk", new { action = "approve", ids = new[] { waiting[0], finished, unknown, waiting[1] }, comment = "looks good" });
        var body = (await r.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var results = body["results"]!.AsArray().Select(x => ((Guid)x!["runId"]!, (string)x["result"]!, (string?)x["reason"])).ToList();
        Assert.Equal([waiting[0], finished, unknown, waiting[1]], results.Select(x => x.Item1));
        Assert.Equal(["Ok", "Skipped", "Error", "Ok"], results.Select(x => x.Item2));
        Assert.Contains("succeeded", results[1].Item3, StringComparison.Ordinal);
        Assert.Contains("does not exist", results[2].Item3, StringComparison.Ordinal);
        Assert.Equal((2, 1, 1), ((int)body["ok"]!, (int)body["skipped"]!, (int)body["errors"]!));
        await WaitForStatusAsync(waiting[0], "Succeeded");
        var audit = (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{waiting[0]}/audit"))!;
        Assert.Contains(audit, a => (string?)a!["kind"] == "approval.approved" && ((string?)a["message"])!.Contains("looks good", StringComparison.Ordinal));
        Assert.Contains(audit, a => (string?)a!["kind"] == "run.bulk" && ((string?)a["message"])!.Contains((string)body["bulkId"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reject_ThenRetry_ByIds_RetriesTheFailedRuns_AndSkipsTheOthers()
    {
        var ids = await StartAsync("few", 3);
        await Post(new { action = "reject", ids = new[] { ids[0], ids[1] } });
        await WaitForStatusAsync(ids[0], "Failed");
        await WaitForStatusAsync(ids[1], "Failed");

        var body = await Post(new { action = "retry", ids });

        Assert.Equal(["Ok", "Ok", "Skipped"], body["results"]!.AsArray().Select(x => (string)x!["result"]!));
        Assert.Contains("only failed or cancelled runs can be retried", (string?)body["results"]![2]!["reason"], StringComparison.Ordinal);
        await WaitForAsync(ids[0], run => (string?)run["run"]!["status"] is "Running" or "WaitingForApproval", "running again");
    }

    [Fact]
    public async Task Approve_RefusesTheRunsTheOperatorStarted_SayingWhy()
    {
        var theirs = (await StartAsync("few", 1))[0];
        var r = await Operator.PostAsJsonAsync("/api/workflows/few/runs", new { inputs = new { } });
        var mine = (Guid)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await WaitForStatusAsync(mine, "WaitingForApproval");

        var body = await Post(new { action = "approve", ids = new[] { mine, theirs } });

        Assert.Equal(["Refused", "Ok"], body["results"]!.AsArray().Select(x => (string)x!["result"]!));
        Assert.Equal("You started this run; self-approval is not allowed.", (string?)body["results"]![0]!["reason"]);
        Assert.Equal(1, (int)body["refused"]!);
        await WaitForStatusAsync(theirs, "Succeeded");
        var audit = (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{mine}/audit"))!;
        Assert.DoesNotContain(audit, a => (string?)a!["kind"] is "approval.approved" or "approval.rejected" or "run.bulk");
        var refused = Assert.Single(audit, a => (string?)a!["kind"] == "approval.refused")!;
        Assert.EndsWith("self-approval is not allowed. (bulk operation)", (string?)refused["message"], StringComparison.Ordinal);
        Assert.Equal("WaitingForApproval", (string?)(await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{mine}"))!["run"]!["status"]);
    }

    [Fact]
    public async Task Bulk_RefusesABadRequest_NamingTheField()
    {
        var missing = await Problem(new { ids = new[] { Guid.NewGuid() } });
        Assert.Contains("is required", (string?)missing["action"]![0], StringComparison.Ordinal);

        var unknown = await Problem(new { action = "delete", ids = new[] { Guid.NewGuid() } });
        Assert.Contains("'delete' is not a bulk action", (string?)unknown["action"]![0], StringComparison.Ordinal);

        var both = await Problem(new { action = "cancel", ids = new[] { Guid.NewGuid() }, filter = new { workflow = "few" } });
        Assert.Contains("not both", (string?)both["ids"]![0], StringComparison.Ordinal);

        var neither = await Problem(new { action = "cancel" });
        Assert.Contains("not neither", (string?)neither["ids"]![0], StringComparison.Ordinal);

        var status = await Problem(new { action = "cancel", filter = new { status = "Sleeping" } });
        Assert.Contains("'Sleeping' is not a run status", (string?)status["filter.status"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_IsForOperators()
    {
        var viewer = await server.ClientWith(ServerFactory.ViewerToken).PostAsJsonAsync("/api/runs/bulk", new { action = "cancel", ids = new[] { Guid.NewGuid() } });
        var anonymous = await server.ClientWith(null).PostAsJsonAsync("/api/runs/bulk", new { action = "cancel", ids = new[] { Guid.NewGuid() } });

        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private async Task<JsonObject> Post(object request)
    {
        var r = await Operator.PostAsJsonAsync("/api/runs/bulk", request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonObject> Problem(object request)
    {
        var r = await Operator.PostAsJsonAsync("/api/runs/bulk", request);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return (await r.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
    }

    private async Task<List<Guid>> StartAsync(string workflow, int count)
    {
        var ids = new Guid[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                // Started by another user than the operator who decides: approving one's own run is refused by default.
                var r = await server.ClientWith(ServerFactory.AdminToken).PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { inputs = new { } });
                Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
                ids[i] = (Guid)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            }
        }));

        // Each run waits for its approval: the step's first attempt has run and left it waiting, holding no worker.
        foreach (var id in ids.Length > 10 ? [ids[0], ids[^1]] : ids)
        {
            await WaitForAsync(id, run => run["steps"]!.AsArray().Any(s => (string?)s!["status"] == "Waiting"), "waiting for approval");
        }

        return [.. ids];
    }

    private Task WaitForStatusAsync(Guid id, string status) =>
        WaitForAsync(id, run => (string?)run["run"]!["status"] == status, status);

    private async Task WaitForAsync(Guid id, Func<JsonObject, bool> done, string what)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = (await Operator.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;
            if (done(last))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"run {id} never got {what}: {last}");
    }

    private async Task WaitForCountAsync(string workflow, string status, int count)
    {
        var total = 0;
        for (var i = 0; i < 1200; i++)
        {
            total = (int)(await Operator.GetFromJsonAsync<JsonObject>($"/api/runs?workflow={workflow}&status={status}&pageSize=1"))!["total"]!;
            if (total == count)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{total} runs of {workflow} are {status}, not {count}");
    }

    public sealed class Factory : ServerFactory
    {
        private readonly string folder = Directory.CreateTempSubdirectory("wf-bulk-").FullName;

        public Factory()
        {
            const string Gate = """
                steps:
                  - id: gate
                    uses: core.approval
                    with: { message: "Go on?" }
                """;
            File.WriteAllText(Path.Combine(folder, "many.yaml"), "name: many\n" + Gate);
            File.WriteAllText(Path.Combine(folder, "few.yaml"), "name: few\n" + Gate);
        }

        protected override string WorkflowsDirectory => folder;

        protected override bool UsePostgres => false;

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
