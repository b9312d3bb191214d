using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;

namespace Workflows.Server.Tests.Apis;

public sealed class SqliteWorkflowPageApiTests(SqliteWorkflowPageApiTests.Factory server) : WorkflowPageApiTests(server), IClassFixture<SqliteWorkflowPageApiTests.Factory>
{
    public sealed class Factory : WorkflowPageFactory
    {
        protected override bool UsePostgres => false;
    }
}

public sealed class PostgresWorkflowPageApiTests(PostgresWorkflowPageApiTests.Factory server) : WorkflowPageApiTests(server), IClassFixture<PostgresWorkflowPageApiTests.Factory>
{
    public sealed class Factory : WorkflowPageFactory
    {
        public Factory()
        {
            Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES")), "WORKFLOWS_TEST_POSTGRES is not set: start .ci/services/postgres.sh");
        }
    }
}

/// <summary>A server whose workflows folder holds a workflow with every documented part, and a broken edit of another.</summary>
public abstract class WorkflowPageFactory : ServerFactory
{
    internal const string Documented = """
        name: documented
        description: Every part the workflow page shows
        inputs:
          host: { type: string, required: true, pattern: "[a-z]+", patternHint: lowercase letters only, description: The host }
          size: { type: enum, values: [small, large], default: small }
          token: { type: secret }
        triggers:
          - schedule: { name: nightly, cron: "0 3 * * *", timezone: Europe/Berlin }
          - webhook: { name: documented-push, inputs: { host: "${{ payload.host }}" } }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
            retry: { attempts: 3, backoff: fixed, initialDelay: 2s }
            timeout: 5m
          - id: gate
            needs: [wait]
            if: ${{ inputs.size == 'large' }}
            uses: core.approval
            with: { message: "Go?", approvers: { roles: [admin] } }
        """;

    private readonly string folder = Directory.CreateTempSubdirectory("wf-page-").FullName;

    protected WorkflowPageFactory()
    {
        File.WriteAllText(Path.Combine(folder, "documented.yaml"), Documented);
        File.WriteAllText(Path.Combine(folder, "halfway.yaml"), "name: halfway\nsteps:\n  - id: a\n    uses: core.delay\n    with: { duration: 1s }\n    retry: { attempts: nope }\n");
    }

    protected override string WorkflowsDirectory => folder;

    protected override void ConfigureMore(IWebHostBuilder builder) => builder.UseSetting("Workflows:WatchDefinitions", "false");
}

/// <summary>GetWorkflow (enriched), its versions and a version's source, on both databases.</summary>
public abstract class WorkflowPageApiTests(WorkflowPageFactory server)
{
    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    [Fact]
    public async Task GetWorkflow_DocumentsInputsStepsAndTheTriggersThatStartIt()
    {
        var w = (await Viewer.GetFromJsonAsync<JsonObject>("/api/workflows/documented"))!;

        var host = w["inputs"]![0]!;
        Assert.Equal(("[a-z]+", "lowercase letters only", true, false), ((string?)host["pattern"], (string?)host["patternHint"], (bool)host["required"]!, (bool)host["secret"]!));
        Assert.True((bool)w["inputs"]![2]!["secret"]!);
        var wait = w["steps"]![0]!;
        Assert.Equal((3, "Fixed", "00:05:00"), ((int)wait["retry"]!["maxAttempts"]!, (string?)wait["retry"]!["backoff"], (string?)wait["timeout"]));
        var gate = w["steps"]![1]!;
        Assert.Equal("${{ inputs.size == 'large' }}", (string?)gate["if"]);
        Assert.Contains("role admin", (string?)gate["approval"], StringComparison.Ordinal);
        var schedule = w["triggers"]!.AsArray().Single(t => (string?)t!["kind"] == "schedule")!;
        Assert.Equal(("nightly", "0 3 * * *", "Europe/Berlin", 3), ((string?)schedule["name"], (string?)schedule["cron"], (string?)schedule["timeZone"], schedule["nextFires"]!.AsArray().Count));
        var hook = w["triggers"]!.AsArray().Single(t => (string?)t!["kind"] == "webhook")!;
        Assert.Equal(("documented-push", "/hooks/documented-push"), ((string?)hook["name"], (string?)hook["url"]));
        Assert.Empty(w["errors"]!.AsArray());
    }

    [Fact]
    public async Task GetWorkflow_AnswersProblemNamingTheLoadError_WhenItsFileNeverLoaded()
    {
        var r = await Viewer.GetAsync("/api/workflows/halfway");

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("failed to load", (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
        var errors = (await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows/errors"))!;
        var e = errors.Single(x => ((string?)x!["file"])!.EndsWith("halfway.yaml", StringComparison.Ordinal))!;
        Assert.Equal(("steps[a].retry.attempts", 6, 24), ((string?)e["field"], (int)e["line"]!, (int)e["column"]!));
    }

    [Fact]
    public async Task Versions_ListTheActiveVersionWithItsRuns_AndServeItsSource()
    {
        var w = (await Viewer.GetFromJsonAsync<JsonObject>("/api/workflows/documented"))!;
        var version = (string)w["version"]!;
        var start = await server.ClientWith(ServerFactory.OperatorToken).PostAsJsonAsync("/api/workflows/documented/runs", new JsonObject { ["inputs"] = new JsonObject { ["host"] = "web" } });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);

        var versions = (await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows/documented/versions"))!;
        var source = (await Viewer.GetFromJsonAsync<JsonObject>($"/api/workflows/documented/versions/{version}"))!;

        var active = Assert.Single(versions)!;
        Assert.Equal((version, true), ((string?)active["version"], (bool)active["active"]!));
        Assert.True((long)active["runs"]! >= 1);
        Assert.Equal(WorkflowPageFactory.Documented, (string?)source["source"]);
        Assert.Equal(version, (string?)source["version"]!["version"]);
    }

    [Theory]
    [InlineData("/api/workflows/nothing-here/versions", "'nothing-here' does not exist")]
    [InlineData("/api/workflows/nothing-here/versions/0123456789ab", "'nothing-here' does not exist")]
    [InlineData("/api/workflows/documented/versions/0123456789ab", "has no version '0123456789ab'")]
    public async Task Versions_AnswerProblemDetails_ForUnknownNamesAndHashes(string path, string detail)
    {
        var r = await Viewer.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DocumentsTheVersionEndpoints()
    {
        var doc = await Viewer.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/workflows/{name}/versions/{version}", doc, StringComparison.Ordinal);
        Assert.Contains("ListWorkflowVersions", doc, StringComparison.Ordinal);
    }
}
