using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Definitions;

namespace Workflows.Server.Tests.Definitions;

/// <summary>
/// The server starts with a broken file beside good ones, lists it in <c>/api/workflows/errors</c>, and
/// keeps applying edits through the file watcher: the situation of issue 11's blocker.
/// </summary>
public sealed class DefinitionReloadTests(DefinitionReloadTests.Factory server) : IClassFixture<DefinitionReloadTests.Factory>
{
    // The blocker: one missing '}' made YamlDotNet throw InvalidOperationException and the server refuse to start.
    private const string Unclosed = """
        name: unclosed
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 1s
          - id: again
            uses: core.delay
            with: { duration: 1s }
        """;

    private HttpClient Viewer => server.ClientWith(ServerFactory.ViewerToken);

    [Fact]
    public async Task Server_Starts_WithBrokenFilesBesideGoodOnes_AndListsEachWithLineAndColumn()
    {
        var names = await WorkflowNamesAsync();
        Assert.Contains("good", names);
        Assert.DoesNotContain("unclosed", names);

        var errors = await ErrorsAsync();
        var unclosed = Assert.Single(errors, e => ((string)e!["file"]!).EndsWith("unclosed.yaml", StringComparison.Ordinal));
        Assert.StartsWith("YAML syntax", (string?)unclosed!["message"], StringComparison.Ordinal);
        Assert.InRange((int)unclosed["line"]!, 5, 6);
        Assert.True((int)unclosed["column"]! >= 1);

        var binary = Assert.Single(errors, e => ((string)e!["file"]!).EndsWith("binary.yaml", StringComparison.Ordinal));
        Assert.Contains("not UTF-8", (string?)binary!["message"], StringComparison.Ordinal);
        var bomb = Assert.Single(errors, e => ((string)e!["file"]!).EndsWith("bomb.yaml", StringComparison.Ordinal));
        Assert.Contains("more than 100,000 YAML nodes", (string?)bomb!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watcher_AppliesANewFile_WhileAnotherFileIsBroken_AndLoadsTheBrokenOneOnceFixed()
    {
        await WriteAndWaitAsync("later.yaml", Good("later"), async () => (await WorkflowNamesAsync()).Contains("later"));

        await WriteAndWaitAsync("unclosed.yaml", Unclosed.Replace("{ duration: 1s\n", "{ duration: 1s }\n", StringComparison.Ordinal), async () => (await WorkflowNamesAsync()).Contains("unclosed"));

        Assert.DoesNotContain(await ErrorsAsync(), e => ((string)e!["file"]!).EndsWith("unclosed.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watcher_KeepsThePreviousVersionActive_WhenAGoodFileIsBroken()
    {
        await WriteAndWaitAsync("kept.yaml", Good("kept"), async () => (await WorkflowNamesAsync()).Contains("kept"));
        var before = await Viewer.GetFromJsonAsync<JsonObject>("/api/workflows/kept");

        await WriteAndWaitAsync("kept.yaml", Good("kept").Replace("{ duration: 1ms }", "{ duration: 1ms", StringComparison.Ordinal), async () =>
            (await ErrorsAsync()).Any(e => ((string)e!["file"]!).EndsWith("kept.yaml", StringComparison.Ordinal)));

        var after = await Viewer.GetFromJsonAsync<JsonObject>("/api/workflows/kept");
        Assert.Equal((string?)before!["version"], (string?)after!["version"]);
        var run = await server.ClientWith(ServerFactory.OperatorToken).PostAsJsonAsync("/api/workflows/kept/runs", new { inputs = new { } });
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
    }

    private static string Good(string name) => $"""
        name: {name}
        steps:
          - id: wait
            uses: core.delay
            with: {"{"} duration: 1ms {"}"}
        """;

    private async Task<List<string>> WorkflowNamesAsync() =>
        [.. (await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows"))!.Select(w => (string)w!["name"]!)];

    private async Task<JsonArray> ErrorsAsync() => (await Viewer.GetFromJsonAsync<JsonArray>("/api/workflows/errors"))!;

    /// <summary>Writes a file and waits for the catalog's reloads until <paramref name="applied"/> holds (at most 30 s).</summary>
    private async Task WriteAndWaitAsync(string file, string content, Func<Task<bool>> applied)
    {
        var catalog = server.Services.GetRequiredService<WorkflowCatalog>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await File.WriteAllTextAsync(Path.Combine(server.Folder, file), content);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged() => changed.TrySetResult();
            catalog.Changed += OnChanged;
            try
            {
                if (await applied())
                {
                    return;
                }

                // Woken by the next reload; the deadline only bounds a watcher that never fires.
                await changed.Task.WaitAsync(deadline.Token);
            }
            finally
            {
                catalog.Changed -= OnChanged;
            }
        }
    }

    public sealed class Factory : ServerFactory
    {
        public Factory()
        {
            Folder = Directory.CreateTempSubdirectory("wf-reload-").FullName;
            File.WriteAllText(Path.Combine(Folder, "good.yaml"), Good("good"));
            File.WriteAllText(Path.Combine(Folder, "unclosed.yaml"), Unclosed);
            File.WriteAllBytes(Path.Combine(Folder, "binary.yaml"), [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x00, 0x00]);
            var bomb = "name: bomb\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));
            File.WriteAllText(Path.Combine(Folder, "bomb.yaml"), bomb + "steps:\n  - { id: a, uses: core.delay, with: { duration: 1ms } }\n");
        }

        public string Folder { get; }

        protected override string WorkflowsDirectory => Folder;

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
