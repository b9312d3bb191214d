using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Execution;

namespace Workflows.Engine.Tests.Definitions;

public sealed class SqliteWorkflowVersionsTests(SqliteEngineFixture f) : WorkflowVersionsTests(f.Host), IClassFixture<SqliteEngineFixture>;

public sealed class PostgresWorkflowVersionsTests(PostgresEngineFixture f) : WorkflowVersionsTests(f.Host), IClassFixture<PostgresEngineFixture>;

/// <summary>The version history of a workflow (<see cref="WorkflowVersions"/>), in SQL on both databases.</summary>
public abstract class WorkflowVersionsTests(EngineHost engine)
{
    private IWorkflowVersions Versions => engine.Services.GetRequiredService<IWorkflowVersions>();

    [Fact]
    public async Task List_GivesEveryLoadedVersionNewestFirst_WithTheRunsStartedOnEach()
    {
        var name = $"hist-{Guid.NewGuid():N}"[..16];
        var first = await LoadAsync(name, "one");
        await engine.StartRunAsync(name);
        var second = await LoadAsync(name, "two");
        await engine.StartRunAsync(name);
        await engine.StartRunAsync(name);

        var versions = await Versions.ListAsync(name);

        Assert.Equal([(second, 2L), (first, 1L)], versions.Select(v => (v.Version, v.Runs)));
        Assert.All(versions, v => Assert.EndsWith($"{name}.yaml", v.File, StringComparison.Ordinal));
        Assert.True(versions[0].FirstLoadedAt >= versions[1].FirstLoadedAt);
    }

    [Fact]
    public async Task Get_ReturnsTheSourceOfAnOlderVersion_AfterTheFileChanged()
    {
        var name = $"old-{Guid.NewGuid():N}"[..16];
        var first = await LoadAsync(name, "one");
        await LoadAsync(name, "two");

        var old = await Versions.GetAsync(name, first);

        Assert.NotNull(old);
        Assert.Equal(Yaml(name, "one"), old.Text);
        Assert.Equal((first, 0L), (old.Version.Version, old.Version.Runs));
    }

    [Fact]
    public async Task Get_ReturnsNull_ForAnUnknownHashOrAnotherWorkflowsVersion()
    {
        var name = $"own-{Guid.NewGuid():N}"[..16];
        var version = await LoadAsync(name, "one");

        Assert.Null(await Versions.GetAsync(name, "0123456789ab"));
        Assert.Null(await Versions.GetAsync("dag", version));
        Assert.Empty(await Versions.ListAsync($"none-{Guid.NewGuid():N}"));
    }

    [Fact]
    public async Task Reload_NamesFilesRelativeToTheWorkflowsFolder_WhenTheFolderIsOutsideTheWorkingDirectory()
    {
        var name = $"rel-{Guid.NewGuid():N}"[..16];
        var catalog = engine.Services.GetRequiredService<WorkflowCatalog>();
        Assert.False(engine.Folder.StartsWith(Directory.GetCurrentDirectory(), StringComparison.Ordinal), "The test needs a workflows folder outside the working directory.");
        await LoadAsync(name, "one");
        await File.WriteAllTextAsync(Path.Combine(engine.Folder, "workflows", name + "-broken.yaml"), $"name: {name}-broken\nsteps:\n  - id: a\n    uses: test.record\n    with: {{ value: [1 }}\n");

        await catalog.ReloadAsync();

        Assert.Equal($"{name}.yaml", catalog.Get(name)!.Source);
        Assert.Equal($"{name}.yaml", Assert.Single(await Versions.ListAsync(name)).File);
        var error = Assert.Single(catalog.Errors, e => e.File.Contains(name, StringComparison.Ordinal));
        Assert.Equal($"{name}-broken.yaml", error.File);
        Assert.Equal(5, error.Line);
        Assert.Same(error, Assert.Single(catalog.ErrorsOf($"{name}-broken")));
    }

    [Fact]
    public async Task AVersionStoredUnderItsOldPathName_StaysReadable_AndIsTheVersionTheSameFileLoadsAs()
    {
        // Before, a file was named relative to the server's working directory, and that name was stored with its version.
        var name = $"legacy-{Guid.NewGuid():N}"[..16];
        var oldName = $"../../../../tmp/wf-old/workflows/{name}.yaml";
        var version = DefinitionParser.VersionOf(Yaml(name, "one"));
        await new DefinitionStore(engine.Services.GetRequiredService<EngineDatabase>()).InsertAsync(version, name, Yaml(name, "one"), oldName, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), default);

        Assert.Equal(version, await LoadAsync(name, "one"));
        var run = (await engine.StartRunAsync(name)).Id;

        var stored = await Versions.GetAsync(name, version);
        Assert.NotNull(stored);
        Assert.Equal((oldName, 1L), (stored.Version.File, stored.Version.Runs));
        Assert.Equal(Yaml(name, "one"), stored.Text);
        Assert.Equal(version, Assert.Single(await Versions.ListAsync(name)).Version);
        Assert.Equal(version, (await engine.Queries.GetAsync(run))!.Run.Version);
        Assert.NotNull(await engine.Services.GetRequiredService<WorkflowCatalog>().GetVersionAsync(version));
    }

    private static string Yaml(string name, string value) =>
        $"name: {name}\ndescription: version {value}\nsteps:\n  - id: a\n    uses: test.record\n    with: {{ value: {value} }}\n";

    // Writes the workflow's file and reloads the catalog; returns the version it loaded.
    private async Task<string> LoadAsync(string name, string value)
    {
        var catalog = engine.Services.GetRequiredService<WorkflowCatalog>();
        await File.WriteAllTextAsync(Path.Combine(engine.Folder, "workflows", name + ".yaml"), Yaml(name, value));
        await catalog.ReloadAsync();
        var loaded = catalog.Get(name);
        Assert.NotNull(loaded);
        Assert.Equal(DefinitionParser.VersionOf(Yaml(name, value)), loaded.Version);
        return loaded.Version;
    }
}
