using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Tests.Execution;

public sealed class SqliteRunSearchTests(SqliteEngineFixture f) : RunSearchTests(f.Host), IClassFixture<SqliteEngineFixture>;

public sealed class PostgresRunSearchTests(PostgresEngineFixture f) : RunSearchTests(f.Host), IClassFixture<PostgresEngineFixture>;

/// <summary>The runs list's free-text search (<see cref="RunFilter.Query"/>) and short ids, in SQL on both databases.</summary>
public abstract class RunSearchTests(EngineHost engine)
{
    [Fact]
    public async Task Query_FindsRun_ByAnInputValue_IgnoringCase()
    {
        var vm = $"Web-{Guid.NewGuid():N}"[..16];
        var run = await engine.StartRunAsync("dag", new { name = vm });
        await engine.StartRunAsync("dag", new { name = "someone-else" });

        var found = await engine.Queries.ListAsync(new RunFilter { Query = vm.ToUpperInvariant() });

        Assert.Equal([run.Id], found.Items.Select(r => r.Id));
        Assert.Equal(1, found.Total);
    }

    [Fact]
    public async Task Query_FindsRun_ByIdPrefixAndByActor()
    {
        var actor = $"actor-{Guid.NewGuid():N}"[..14];
        var run = await engine.StartRunAsync("dag", actor: actor);

        var byId = await engine.Queries.ListAsync(new RunFilter { Query = run.Id.ToString()[..8] });
        var byActor = await engine.Queries.ListAsync(new RunFilter { Query = actor });

        Assert.Contains(run.Id, byId.Items.Select(r => r.Id));
        Assert.Equal([run.Id], byActor.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Query_FindsFailedRun_ByItsErrorText()
    {
        var run = await engine.StartRunAsync("compensate");
        var failed = await engine.WaitFinishedAsync(run.Id);
        Assert.Contains("fails on purpose", failed.Run.Error ?? "", StringComparison.Ordinal);
        var succeeded = await engine.StartRunAsync("dag");
        await engine.WaitFinishedAsync(succeeded.Id);

        var found = await engine.Queries.ListAsync(new RunFilter { Query = "FAILS ON PURPOSE", PageSize = 500 });

        Assert.Contains(run.Id, found.Items.Select(r => r.Id));
        Assert.DoesNotContain(succeeded.Id, found.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Query_NeverMatchesSecretValues()
    {
        var password = $"pw-{Guid.NewGuid():N}";
        await engine.StartRunAsync("secret", new { password });

        var found = await engine.Queries.ListAsync(new RunFilter { Query = password });

        Assert.Empty(found.Items);
    }

    [Fact]
    public async Task Query_TreatsLikeWildcardsAsText()
    {
        var run = await engine.StartRunAsync("dag", new { name = $"a%b_{Guid.NewGuid():N}" });

        var literal = await engine.Queries.ListAsync(new RunFilter { Query = "a%b_", Workflow = "dag", PageSize = 500 });
        var wildcard = await engine.Queries.ListAsync(new RunFilter { Query = "%", Workflow = "dag", PageSize = 500 });

        Assert.Contains(run.Id, literal.Items.Select(r => r.Id));
        Assert.All(literal.Items, r => Assert.Equal(run.Id, r.Id));
        Assert.DoesNotContain(wildcard.Items, r => r.Id != run.Id && r.Workflow == "dag" && !r.Trigger.Actor.Contains('%', StringComparison.Ordinal));
    }

    [Fact]
    public async Task IdPrefix_ResolvesShortId_ToTheRun()
    {
        var run = await engine.StartRunAsync("dag");

        var found = await engine.Queries.ListAsync(new RunFilter { IdPrefix = run.Id.ToString()[..8].ToUpperInvariant() });

        Assert.Equal([run.Id], found.Items.Select(r => r.Id));
    }
}
