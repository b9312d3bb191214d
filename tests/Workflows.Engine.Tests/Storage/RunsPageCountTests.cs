using Dapper;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The runs list counts at most <see cref="RunReadModel.CountBeyondPage"/> runs past the end of the page asked for, so a
/// first page costs the same with 100 runs or a million; past that bound the total is a lower bound, and says so.
/// </summary>
public sealed class RunsPageCountTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task PageAsync_CountsExactly_UpToTheBoundPastThePage(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
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
        var store = new RunStore(await databases.CreateAsync(provider));
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
}
