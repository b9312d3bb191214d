using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Inputs;

/// <summary>Run inputs are bounded and validated when the run starts, through the REST API (issue 11, item 9).</summary>
public sealed class RunInputsTests(RunInputsTests.Factory server) : IClassFixture<RunInputsTests.Factory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task StartRun_RefusesAValue_WithATrailingNewline_ThatADollarAnchoredPatternWouldPass()
    {
        var errors = await RefusedAsync(new { name = "vm1\n" });

        Assert.Contains("does not match the pattern ^[a-z][a-z0-9-]{0,62}$", Field(errors, "inputs.name"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRun_Accepts_TheSameValueWithoutTheNewline()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs = new { name = "vm1" } });

        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    [Fact]
    public async Task StartRun_RefusesAnUnknownCloud_NamingTheInput()
    {
        var errors = await RefusedAsync(new { name = "vm1", cloud = "no-such-cloud" });

        var message = Field(errors, "inputs.cloud");
        Assert.Contains("unknown cloud 'no-such-cloud'", message, StringComparison.Ordinal);
        Assert.Contains("sandbox", message, StringComparison.Ordinal); // the clouds that do exist
    }

    [Fact]
    public async Task StartRun_RefusesATenMegabyteValue_WithAShortAnswer()
    {
        // Over the API's body limit (Api:MaxBodyBytes, 4 MiB): refused before it is read, never stored.
        var huge = new string('a', 10 * 1024 * 1024);

        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs = new { name = "vm1", text = huge } });
        var body = await r.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.True(body.Length < 2000, $"the answer has {body.Length} characters");
    }

    [Fact]
    public async Task StartRun_RefusesAValueOverItsMaxLength_NamingTheFieldWithAShortAnswer()
    {
        var value = new string('a', 100_000);

        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs = new { name = "vm1", text = value } });
        var body = await r.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.True(body.Length < 2000, $"the answer has {body.Length} characters");
        var errors = JsonNode.Parse(body)!["errors"]!.AsObject();
        Assert.Equal("is 100,000 characters long; at most 65,536 are allowed", Field(errors, "inputs.text"));
    }

    [Fact]
    public async Task StartRun_QuotesOnlyAPrefix_OfALongValueThatFailsItsPattern()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs = new { name = "V" + new string('x', 60_000) } });
        var body = await r.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.True(body.Length < 2000, $"the answer has {body.Length} characters");
        Assert.Contains("(60,001 characters)", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRun_HonoursAPerInputMaxLength()
    {
        var errors = await RefusedAsync(new { name = "vm1", note = "eleven char" });
        Assert.Equal("is 11 characters long; at most 10 are allowed", Field(errors, "inputs.note"));

        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs = new { name = "vm1", note = "ten chars!" } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    [Fact]
    public async Task Workflow_ShowsEachInputsMaxLength()
    {
        var wf = await Operator.GetFromJsonAsync<JsonObject>("/api/workflows/inputs");
        var inputs = wf!["inputs"]!.AsArray();

        Assert.Equal(10, (int)inputs.Single(i => (string)i!["name"]! == "note")!["maxLength"]!);
        Assert.Equal(65_536, (int)inputs.Single(i => (string)i!["name"]! == "text")!["maxLength"]!);
    }

    private static string Field(JsonObject errors, string field) => (string)Assert.Single(errors[field]!.AsArray())!;

    private async Task<JsonObject> RefusedAsync(object inputs)
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/inputs/runs", new { inputs });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        return (await r.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
    }

    public sealed class Factory : ServerFactory
    {
        public Factory()
        {
            Folder = Directory.CreateTempSubdirectory("wf-inputs-").FullName;
            File.WriteAllText(Path.Combine(Folder, "inputs.yaml"), """
                name: inputs
                inputs:
                  name: { type: string, required: true, pattern: "^[a-z][a-z0-9-]{0,62}$" }
                  note: { type: string, maxLength: 10 }
                  text: { type: string }
                  cloud: { type: cloud, default: sandbox }
                steps:
                  - id: wait
                    uses: core.delay
                    with: { duration: 1ms }
                """);
        }

        public string Folder { get; }

        protected override string WorkflowsDirectory => Folder;

        protected override bool SandboxEnabled => true;

        protected override bool UsePostgres => false;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);

            // WebApplicationFactory disposes through both Dispose and DisposeAsync: the second call finds no folder.
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
    }
}
