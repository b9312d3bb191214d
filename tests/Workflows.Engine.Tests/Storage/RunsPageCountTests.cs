using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Execution;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The runs list counts at most <see cref="RunReadModel.CountBeyondPage"/> runs past the end of the page asked for, so a
/// first page costs the same with 100 runs or a million; past that bound the total is a lower bound, and says so.
/// </summary>
public sealed class RunsPageCountTests : IAsyncLifetime
{
    private readonly List<string> folders = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var f in folders)
        {
            Directory.Delete(f, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task PageAsync_CountsExactly_UpToTheBoundPastThePage(string provider)
    {
        var store = new RunStore(await DatabaseAsync(provider));
        await InsertRunsAsync(store, 50 + RunReadModel.CountBeyondPage - 1);

        var (total, exact, rows) = await store.ReadModel.PageAsync(new RunFilter(), null, take: 50, skip: 0, default);

        Assert.Equal(50 + RunReadModel.CountBeyondPage - 1, total);
        Assert.True(exact);
        Assert.Equal(50, rows.Count);
        Assert.Equal($"r{50 + RunReadModel.CountBeyondPage - 2}", rows[0].Id); // newest first
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task PageAsync_SaysTheTotalIsALowerBound_WhenMoreRunsMatchThanItCounts(string provider)
    {
        var store = new RunStore(await DatabaseAsync(provider));
        await InsertRunsAsync(store, 50 + RunReadModel.CountBeyondPage + 500);

        var first = await store.ReadModel.PageAsync(new RunFilter(), null, take: 50, skip: 0, default);
        Assert.Equal(50 + RunReadModel.CountBeyondPage, first.Total);
        Assert.False(first.Exact);
        Assert.Equal(50, first.Rows.Count);

        // A page further on counts further: its own end plus the bound, here past the last run.
        var later = await store.ReadModel.PageAsync(new RunFilter(), null, take: 50, skip: 1000, default);
        Assert.Equal(50 + RunReadModel.CountBeyondPage + 500, later.Total);
        Assert.True(later.Exact);
    }

    private static async Task InsertRunsAsync(RunStore store, int n)
    {
        await using var c = await store.Database.OpenAsync();
        await c.ExecuteAsync(
            """
            INSERT INTO wf_runs (id, workflow, version, status, inputs, trigger_kind, trigger_actor, created_at, updated_at)
            WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < @last)
            SELECT 'r' || CAST(n AS TEXT), 'w', 'v', 'Succeeded', '{}', 'Api', 'test', n, n FROM g
            """,
            new { last = n - 1 });
    }

    private async Task<EngineDatabase> DatabaseAsync(string provider)
    {
        EngineDatabase db;
        if (provider == "postgres")
        {
            db = new EngineDatabase(DatabaseKind.Postgres, await EngineHost.CreatePostgresDatabaseAsync(), NullLogger<EngineDatabase>.Instance);
        }
        else
        {
            var folder = Directory.CreateTempSubdirectory("wf-page-count-").FullName;
            folders.Add(folder);
            db = new EngineDatabase(DatabaseKind.Sqlite, $"Data Source={Path.Combine(folder, "workflows.db")}", NullLogger<EngineDatabase>.Instance);
        }

        await db.MigrateAsync(EngineSchema.Migrations, "engine");
        await db.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component);
        return db;
    }
}
