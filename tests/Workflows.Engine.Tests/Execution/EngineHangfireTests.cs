using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;

namespace Workflows.Engine.Tests.Execution;

/// <summary>Each engine has its own Hangfire (storage, client, filters, activator), taken from its container.</summary>
public sealed class EngineHangfireTests
{
    [Fact]
    public async Task TwoEngines_InOneProcess_EachRunsItsOwnJobsOnTheirOwnDatabases()
    {
        // Every step through Hangfire's queue (InlineStart off: a free worker would otherwise take the first step without a job).
        await using var a = await EngineHost.StartAsync("postgres", Scenarios.All, ThroughTheQueue);
        await using var b = await EngineHost.StartAsync("postgres", Scenarios.All, ThroughTheQueue);

        // Started together, so both engines' workers and schedulers fetch at the same time.
        var started = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? a : b).StartRunAsync("linear")));
        var runsOfA = started.Where((_, i) => i % 2 == 0).Select(r => r.Id).ToHashSet();
        var runsOfB = started.Where((_, i) => i % 2 == 1).Select(r => r.Id).ToHashSet();
        foreach (var id in runsOfA)
        {
            Assert.Equal(RunStatus.Succeeded, (await a.WaitFinishedAsync(id)).Run.Status);
        }

        foreach (var id in runsOfB)
        {
            Assert.Equal(RunStatus.Succeeded, (await b.WaitFinishedAsync(id)).Run.Status);
        }

        Assert.Equal(runsOfA, await RunsOfJobsAsync(a));
        Assert.Equal(runsOfB, await RunsOfJobsAsync(b));
        var storageOfA = a.Services.GetRequiredService<JobStorage>();
        var storageOfB = b.Services.GetRequiredService<JobStorage>();
        Assert.NotSame(storageOfA, storageOfB);
        Assert.NotSame(a.Services.GetRequiredService<IBackgroundJobClient>(), b.Services.GetRequiredService<IBackgroundJobClient>());

        // Each engine's servers are in its own storage only: one server each.
        Assert.Single(storageOfA.GetMonitoringApi().Servers());
        Assert.Single(storageOfB.GetMonitoringApi().Servers());

        // And Hangfire's process-wide default was never set: nothing could have fallen back to it.
        Assert.Throws<InvalidOperationException>(() => JobStorage.Current);
    }

    [Fact]
    public async Task StepJob_IsStoredAsEarlierVersionsStoredIt_SoStoredJobsStillRunAfterAnUpgrade()
    {
        await using var engine = await EngineHost.StartAsync("postgres", Scenarios.All, ThroughTheQueue);
        var run = await engine.StartRunAsync("linear");
        Assert.Equal(RunStatus.Succeeded, (await engine.WaitFinishedAsync(run.Id)).Run.Status);

        await using var c = new NpgsqlConnection(engine.Database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            SELECT j.invocationdata::text, j.arguments::text, p.value, s.data::text
            FROM hangfire.job j
            JOIN hangfire.jobparameter p ON p.jobid = j.id AND p.name = 'CurrentCulture'
            JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Enqueued'
            WHERE j.arguments::text LIKE @run AND j.invocationdata->>'Method' = 'ExecuteAsync'
            ORDER BY j.id LIMIT 1
            """,
            c);
        cmd.Parameters.AddWithValue("run", $"%{run.Id}%");
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), "no stored StepJob of the run");

        // As written by the engine before its Hangfire moved into its container (read from a database of that version):
        // type names without assembly versions, compatibility level 1.8 (queue in the invocation data, times in ms).
        // (The enqueued state, not the succeeded one: the run may finish inside the job, before Hangfire marks it.)
        var invocation = JsonNode.Parse(r.GetString(0))!.AsObject();
        Assert.Equal("Workflows.Engine.Execution.StepJob, Workflows.Engine", invocation["Type"]!.GetValue<string>());
        Assert.Equal("ExecuteAsync", invocation["Method"]!.GetValue<string>());
        Assert.Equal("workflows", invocation["Queue"]!.GetValue<string>());
        Assert.Equal("""["System.String","System.String","System.Int64","System.Threading.CancellationToken, mscorlib"]""", invocation["ParameterTypes"]!.GetValue<string>());
        Assert.Equal($$"""["\"{{run.Id}}\"","\"s1\"","1",null]""", invocation["Arguments"]!.GetValue<string>());
        Assert.Equal($$"""["\"{{run.Id}}\"", "\"s1\"", "1", null]""", r.GetString(1));
        Assert.Equal("\"\"", r.GetString(2));
        Assert.Equal("workflows", JsonNode.Parse(r.GetString(3))!["Queue"]!.GetValue<string>());
        Assert.Matches("""^\d+$""", JsonNode.Parse(r.GetString(3))!["EnqueuedAt"]!.GetValue<string>());
    }

    [Fact]
    public void EngineJobFilters_HoldTheFiltersHangfireStartsItsGlobalCollectionWith()
    {
        var engine = EngineJobFilters.Create()
            .GetFilters(Job.FromExpression(() => Console.WriteLine()))
            .Where(f => f.Scope == JobFilterScope.Global)
            .Select(f => f.Instance.GetType())
            .Order(Comparer<Type>.Create((x, y) => string.CompareOrdinal(x.FullName, y.FullName)));

        // Read here only to compare with: the engine never reads nor writes Hangfire's global filters.
        var hangfire = GlobalJobFilters.Filters
            .Select(f => f.Instance.GetType())
            .Order(Comparer<Type>.Create((x, y) => string.CompareOrdinal(x.FullName, y.FullName)));

        Assert.Equal(hangfire, engine);
    }

    [Fact]
    public void EngineJobFilters_GiveStepJobItsOwnRetrySettings_InsteadOfTheDefaultOnes()
    {
        var filters = EngineJobFilters.Create()
            .GetFilters(Job.FromExpression<StepJob>(j => j.ExecuteAsync("run", "step", 1, CancellationToken.None)))
            .Select(f => f.Instance)
            .OfType<AutomaticRetryAttribute>()
            .ToList();

        var retry = Assert.Single(filters);
        Assert.Equal(10, retry.Attempts);
        Assert.Equal([1, 2, 5, 10, 20, 30, 60, 60, 120, 300], retry.DelaysInSeconds);
    }

    [Fact]
    public void Source_NeverUsesHangfiresProcessWideDefaults()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Workflows.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        string[] globals = ["JobStorage.Current", "JobActivator.Current", "GlobalJobFilters", "JobFilterProviders.Providers", "GlobalConfiguration.Configuration", "AddHangfire(", "AddHangfireServer("];
        var uses = Directory.EnumerateFiles(Path.Combine(root.FullName, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f)
                .Select((line, i) => (File: Path.GetRelativePath(root.FullName, f), Line: i + 1, Text: line.Trim()))
                .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && globals.Any(g => l.Text.Contains(g, StringComparison.Ordinal) && !IsInDocComment(l.Text))))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();

        Assert.Empty(uses);
    }

    private static void ThroughTheQueue(Dictionary<string, string?> settings) => settings["Workflows:InlineStart"] = "false";

    private static bool IsInDocComment(string line) => line.StartsWith("///", StringComparison.Ordinal);

    /// <summary>Gets the runs the jobs in the engine's database are for (their first argument), whatever their state.</summary>
    private static async Task<HashSet<Guid>> RunsOfJobsAsync(EngineHost engine)
    {
        await using var c = new NpgsqlConnection(engine.Database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT DISTINCT arguments::jsonb->>0 FROM hangfire.job", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var runs = new HashSet<Guid>();
        while (await r.ReadAsync())
        {
            runs.Add(Guid.Parse(JsonNode.Parse(r.GetString(0))!.GetValue<string>()));
        }

        return runs;
    }
}
