using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Storage;

namespace Workflows.Server.Tests.Apis;

/// <summary>
/// <c>POST /api/resources/cleanup</c> against the built-in sandbox cloud (issue 16, part 8): an orphaned server is deleted by a
/// run of the generated resource-cleanup workflow, which marks the original ledger row deleted; bad requests start nothing.
/// On PostgreSQL when WORKFLOWS_TEST_POSTGRES is set, SQLite otherwise.
/// </summary>
public sealed class ResourceCleanupTests(ResourceCleanupTests.Factory server) : IClassFixture<ResourceCleanupTests.Factory>
{
    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task Cleanup_DeletesAnOrphanedServer_InARunOfItsOwn_AndMarksTheOriginalLedgerRowDeleted()
    {
        var (orphanRun, server1) = await OrphanAsync();

        var r = await Operator.PostAsJsonAsync("/api/resources/cleanup", new { resources = new[] { Key(server1) } });

        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();
        var run = await WaitAsync(location, "Succeeded");
        Assert.Equal("resource-cleanup", (string?)run["run"]!["workflow"]);
        Assert.Equal("token:operator", (string?)run["run"]!["trigger"]!["actor"]);
        var step = Assert.Single(run["steps"]!.AsArray());
        Assert.Equal("Succeeded", (string?)step!["status"]);
        var ledger = await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{orphanRun}/resources");
        var row = Assert.Single(ledger!, e => (string?)e!["externalId"] == (string?)server1["externalId"]);
        Assert.NotNull((string?)row!["deletedAt"]);
        Assert.Equal("Deleted", (string?)row["deletedReason"]);
        Assert.Null((string?)row["deletedBy"]);
        var orphans = await Viewer.GetFromJsonAsync<JsonArray>("/api/resources?orphans=true");
        Assert.DoesNotContain(orphans!, e => (string?)e!["externalId"] == (string?)server1["externalId"]);
        var audit = await Viewer.GetStringAsync(location + "/audit");
        Assert.Contains("token:operator", audit, StringComparison.Ordinal);

        // Gone now: asking again is refused, naming the item.
        var again = await Operator.PostAsJsonAsync("/api/resources/cleanup", new { resources = new[] { Key(server1) } });
        Assert.Equal((HttpStatusCode)422, again.StatusCode);
        Assert.Contains("already deleted", (string?)(await again.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["resources[0]"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_IsRefusedAsAWhole_NamingEachBadItem_AndStartsNothing()
    {
        var (orphanRun, orphan) = await OrphanAsync();
        var (running, live) = await LiveAsync();

        // An orphan of a kind nothing deletes.
        var template = Guid.NewGuid().ToString();
        await using (var c = await server.Services.GetRequiredService<RunStore>().Database.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync(
                "INSERT INTO wf_resources (run_id, step_id, kind, provider, external_id, name, properties, created_at, deleted_at) VALUES (@orphanRun, 'server', 'example.widget', 'sandbox', @template, 't', NULL, 0, NULL)",
                new { orphanRun, template });
        }

        var before = await CleanupRunsAsync();

        var r = await Operator.PostAsJsonAsync("/api/resources/cleanup", new
        {
            resources = new object[]
            {
                Key(orphan),
                Key(live),
                new { kind = "nova.server", provider = "sandbox", externalId = Guid.NewGuid().ToString() },
                Key(orphan),
                new { kind = "example.widget", provider = "sandbox", externalId = template },
            },
        });

        Assert.Equal((HttpStatusCode)422, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var errors = (await r.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.False(errors.ContainsKey("resources[0]"));
        Assert.Contains($"is not an orphan: run {running} that created it is running", (string?)errors["resources[1]"]![0], StringComparison.Ordinal);
        Assert.Contains("is not in the resource ledger", (string?)errors["resources[2]"]![0], StringComparison.Ordinal);
        Assert.Contains("is listed twice", (string?)errors["resources[3]"]![0], StringComparison.Ordinal);
        Assert.Contains("kind example.widget has no delete action", (string?)errors["resources[4]"]![0], StringComparison.Ordinal);
        Assert.Equal(before, await CleanupRunsAsync());
        var orphans = await Viewer.GetFromJsonAsync<JsonArray>("/api/resources?orphans=true");
        Assert.Contains(orphans!, e => (string?)e!["externalId"] == (string?)orphan["externalId"]);
        await Operator.PostAsJsonAsync($"/api/runs/{running}/cancel", new { reason = "test over" });
    }

    [Fact]
    public async Task Cleanup_IsRefused_WithoutResources()
    {
        var r = await Operator.PostAsJsonAsync("/api/resources/cleanup", new { resources = Array.Empty<object>() });

        Assert.Equal((HttpStatusCode)422, r.StatusCode);
        Assert.Contains("at least one", (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["resources"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_IsForbidden_ForViewers()
    {
        var r = await Viewer.PostAsJsonAsync("/api/resources/cleanup", new { resources = new[] { new { kind = "nova.server", provider = "sandbox", externalId = "x" } } });

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task Check_MarksAServerDeletedBehindOurBack_AsGone_KeepsAPresentOne_AndLeavesAnUnreachableOneUnknown()
    {
        var (goneRun, gone) = await OrphanAsync();
        var (running, live) = await LiveAsync();
        var clouds = server.Services.GetRequiredService<Workflows.OpenStack.IOpenStackClientFactory>();
        var compute = clouds.Connect("sandbox").Compute;
        await compute.DeleteServerAsync((string)gone["externalId"]!);
        for (var i = 0; i < 600 && await compute.TryGetServerAsync((string)gone["externalId"]!) is not null; i++)
        {
            await Task.Delay(100);
        }

        // A row whose cloud is not configured here: the lookup fails, so the row is left alone.
        var elsewhere = Guid.NewGuid().ToString();
        await using (var c = await server.Services.GetRequiredService<RunStore>().Database.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync(
                "INSERT INTO wf_resources (run_id, step_id, kind, provider, external_id, name, properties, created_at, deleted_at) VALUES (@goneRun, 'server', 'nova.server', 'no-such-cloud', @elsewhere, 'far', NULL, 0, NULL)",
                new { goneRun, elsewhere });
        }

        var r = await Operator.PostAsJsonAsync("/api/resources/check", new
        {
            resources = new object[] { Key(gone), Key(live), new { kind = "nova.server", provider = "no-such-cloud", externalId = elsewhere } },
        });

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var result = (await r.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("1 present, 1 gone, 1 unknown", (string?)result["summary"]);
        var items = result["items"]!.AsArray();
        Assert.Equal("Gone", (string?)items.Single(i => (string?)i!["resource"]!["externalId"] == (string?)gone["externalId"])!["presence"]);
        Assert.Equal("Present", (string?)items.Single(i => (string?)i!["resource"]!["externalId"] == (string?)live["externalId"])!["presence"]);
        Assert.Equal("Unknown", (string?)items.Single(i => (string?)i!["resource"]!["externalId"] == elsewhere)!["presence"]);

        var ledger = await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{goneRun}/resources");
        var goneRow = ledger!.Single(e => (string?)e!["externalId"] == (string?)gone["externalId"]);
        Assert.NotNull((string?)goneRow!["deletedAt"]);
        Assert.Equal(("Gone", "token:operator"), ((string?)goneRow["deletedReason"], (string?)goneRow["deletedBy"]));
        Assert.Equal("gone", (string?)goneRow["properties"]!["deletedReason"]);
        Assert.Contains((await Viewer.GetFromJsonAsync<JsonArray>("/api/resources?deletedReason=gone"))!, e => (string?)e!["externalId"] == (string?)gone["externalId"]);
        Assert.DoesNotContain((await Viewer.GetFromJsonAsync<JsonArray>("/api/resources?deletedReason=Deleted"))!, e => (string?)e!["externalId"] == (string?)gone["externalId"]);
        Assert.Null((string?)ledger!.Single(e => (string?)e!["externalId"] == elsewhere)!["deletedAt"]);
        var liveRow = (await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{running}/resources"))!.Single(e => (string?)e!["externalId"] == (string?)live["externalId"]);
        Assert.Null((string?)liveRow!["deletedAt"]);
        var audit = await Viewer.GetStringAsync($"/api/runs/{goneRun}/audit");
        Assert.Contains("resource.gone", audit, StringComparison.Ordinal);
        Assert.Contains("token:operator", audit, StringComparison.Ordinal);
        await Operator.PostAsJsonAsync($"/api/runs/{running}/cancel", new { reason = "test over" });
    }

    [Fact]
    public async Task Check_IsForbidden_ForViewers()
    {
        var r = await Viewer.PostAsJsonAsync("/api/resources/check", new { });

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    private static object Key(JsonNode entry) => new { kind = (string?)entry["kind"], provider = (string?)entry["provider"], externalId = (string?)entry["externalId"] };

    private async Task<int> CleanupRunsAsync() =>
        (int)(await Viewer.GetFromJsonAsync<JsonObject>("/api/runs?workflow=resource-cleanup&pageSize=500"))!["total"]!;

    /// <summary>A run that booted a server and was cancelled before its approval: the server is an orphan.</summary>
    private async Task<(string RunId, JsonNode Server)> OrphanAsync()
    {
        var (run, server1) = await LiveAsync();
        var cancel = await Operator.PostAsJsonAsync($"/api/runs/{run}/cancel", new { reason = "leave the server behind" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await WaitAsync($"/api/runs/{run}", "Cancelled");
        return (run, server1);
    }

    /// <summary>A run that booted a server and waits for an approval.</summary>
    private async Task<(string RunId, JsonNode Server)> LiveAsync()
    {
        var name = $"vm-{Guid.NewGuid():N}"[..12];
        var r = await Operator.PostAsJsonAsync("/api/workflows/orphan-maker/runs", new { inputs = new { name } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var run = (string)(await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        for (var i = 0; i < 600; i++)
        {
            var ledger = await Viewer.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/resources");
            if (ledger!.FirstOrDefault(e => (string?)e!["kind"] == "nova.server") is { } row)
            {
                return (run, row);
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"run {run} recorded no server");
    }

    private async Task<JsonObject> WaitAsync(string location, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
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

    public sealed class Factory : ServerFactory
    {
        public Factory()
        {
            Folder = Directory.CreateTempSubdirectory("wf-cleanup-").FullName;
            File.WriteAllText(Path.Combine(Folder, "orphan-maker.yaml"), """
                name: orphan-maker
                description: Boots a server with no compensation, then waits for an approval
                inputs:
                  name: { type: string, required: true }
                steps:
                  - id: server
                    uses: nova.server.create
                    with: { cloud: sandbox, name: "${{ inputs.name }}", image: cirros, flavor: m1.tiny, networks: [private] }
                  - id: gate
                    needs: [server]
                    uses: core.approval
                    with: { message: "Keep going?" }
                """);
        }

        public string Folder { get; }

        protected override string WorkflowsDirectory => Folder;

        protected override bool SandboxEnabled => true;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
    }
}
