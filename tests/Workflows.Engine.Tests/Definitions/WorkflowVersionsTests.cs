using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
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
