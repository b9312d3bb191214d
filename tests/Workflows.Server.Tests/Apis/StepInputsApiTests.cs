using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.Server.Tests.Apis;

/// <summary>Each attempt in <c>GET /api/runs/{id}</c> carries the inputs it was started with, evaluated, secrets masked (issue 16).</summary>
public sealed class StepInputsApiTests(StepInputsApiTests.Factory server) : IClassFixture<StepInputsApiTests.Factory>
{
    private const string Token = "tok-Planted-Api-Secret-62b0";

    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    [Fact]
    public async Task GetRun_ShowsEachAttemptsEvaluatedInputs_WithTheSecretMasked()
    {
        var r = await Operator.PostAsJsonAsync("/api/workflows/step-inputs/runs", new { inputs = new { who = "alice", token = Token } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();

        var body = await WaitFinishedAsync(location);
        var run = JsonNode.Parse(body)!;

        var steps = run["steps"]!.AsArray();
        var wait = steps.Single(s => (string?)s!["stepId"] == "wait")!;
        Assert.Equal("""{"duration":"1ms"}""", wait["attempts"]![0]!["inputs"]!.ToJsonString());
        var call = steps.Single(s => (string?)s!["stepId"] == "call")!;
        var inputs = call["attempts"]![0]!["inputs"]!;
        Assert.Equal("http://127.0.0.1:9/hello/alice", (string?)inputs["url"]); // an expression over an input
        Assert.Equal("***", (string?)inputs["headers"]!["Authorization"]); // text built from a secret
        Assert.True(DateTimeOffset.TryParse((string?)inputs["headers"]!["X-Waited-Until"], System.Globalization.CultureInfo.InvariantCulture, out _), "an earlier step's output, evaluated");
        Assert.Equal("alice", (string?)inputs["body"]!["who"]);
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, await Viewer.GetStringAsync(location + "/audit"), StringComparison.Ordinal);
    }

    private async Task<string> WaitFinishedAsync(string location)
    {
        string? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = await Viewer.GetStringAsync(location);
            if ((string?)JsonNode.Parse(last)!["run"]!["status"] is "Succeeded" or "Failed" or "Cancelled")
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not finish: {last}");
    }

    public sealed class Factory : ServerFactory
    {
        public Factory()
        {
            Folder = Directory.CreateTempSubdirectory("wf-step-inputs-").FullName;
            // Port 9 on loopback: nothing listens, the call fails at once; the attempt's inputs are kept all the same.
            File.WriteAllText(Path.Combine(Folder, "step-inputs.yaml"), """
                name: step-inputs
                inputs:
                  who: { type: string, required: true }
                  token: { type: secret, required: true }
                steps:
                  - id: wait
                    uses: core.delay
                    with: { duration: 1ms }
                  - id: call
                    needs: [wait]
                    uses: core.http
                    with:
                      url: "http://127.0.0.1:9/hello/${{ inputs.who }}"
                      method: POST
                      headers:
                        Authorization: "Bearer ${{ inputs.token }}"
                        X-Waited-Until: "${{ steps.wait.outputs.waitedUntil }}"
                      body: { who: "${{ inputs.who }}" }
                      timeout: 5s
                """);
        }

        public string Folder { get; }

        protected override string WorkflowsDirectory => Folder;

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
