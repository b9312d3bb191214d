using System.Net.Http.Json;
using Workflows.Server.Apis;

namespace Workflows.Server.Tests.Docs;

/// <summary>
/// The README's table of built-in actions is the server's own list (<c>GET /api/actions</c>): every registered action with
/// every input of its inputs record, in the record's order, and nothing else, so the table cannot drift from the code.
/// </summary>
public sealed class ReadmeActionsTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private const string Begin = "<!-- actions:begin -->";
    private const string End = "<!-- actions:end -->";

    [Fact]
    public async Task TheReadmesActionsTable_ListsEveryRegisteredActionWithEveryInput()
    {
        var actions = await server.ClientWith(ServerFactory.ViewerToken).GetFromJsonAsync<List<ActionDto>>("/api/actions");

        var expected = string.Join('\n', new[] { "| action | inputs |", "|---|---|" }.Concat(
            actions!.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => $"| `{a.Name}` | {(a.Inputs.Count == 0 ? "—" : string.Join(", ", a.Inputs.Select(i => $"`{i}`")))} |")));
        var readme = (await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "README.md"))).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md has no {Begin} … {End} section");

        var actual = readme[(start + Begin.Length)..end].Trim('\n');

        Assert.True(expected == actual, $"README.md's actions table differs from GET /api/actions; it should read:\n{expected}");
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Workflows.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException($"no Workflows.sln above {AppContext.BaseDirectory}");
    }
}
