using System.Text.RegularExpressions;
using Npgsql;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Execution;

namespace Workflows.Engine.Tests.Storage;

/// <summary>The engine's SQL lives in <c>Storage/</c> and nowhere else; the queue wake-up's statements keep their behaviour there.</summary>
public sealed partial class StorageBoundaryTests
{
    [Fact]
    public void Source_HasNoSqlOutsideStorage()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Workflows.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var engine = Path.Combine(root.FullName, "src", "Workflows.Engine");
        var sep = Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .ToList();
        var outside = files.Where(f => !f.StartsWith(Path.Combine(engine, "Storage") + sep, StringComparison.Ordinal)).ToList();

        // The scan reads the files it should: the wake-up (the last statement to move) and the storage files.
        Assert.Contains(outside, f => f.EndsWith($"{sep}Execution{sep}QueueWakeUp.cs", StringComparison.Ordinal));
        Assert.Contains(files, f => SqlLines(File.ReadAllText(f)).Any());

        var found = outside
            .SelectMany(f => SqlLines(File.ReadAllText(f)).Select(l => $"{Path.GetRelativePath(root.FullName, f)}:{l.Line}: {l.Text}"))
            .ToList();
        Assert.Empty(found);
    }

    [Theory]
    [InlineData("""            connection.Execute("SELECT pg_notify(@channel, @queue)", new { channel = QueueWakeUp.Channel, queue });""")]
    [InlineData("""                await using (var cmd = new NpgsqlCommand($"LISTEN {QueueWakeUp.Channel}", c))""")]
    [InlineData("using Dapper;")]
    [InlineData("""        return (await c.QueryAsync<ResourceRow>("SELECT * FROM wf_resources WHERE run_id = @runId ORDER BY id", new { runId })).ToList();""")]
    [InlineData("            UPDATE wf_runs SET status = @status")]
    [InlineData("            DELETE FROM wf_logs WHERE run_id = @runId")]
    [InlineData("            INSERT INTO wf_audit (run_id) VALUES (@runId)")]
    public void SqlLines_FindsAStatement(string line) => Assert.Single(SqlLines(line));

    [Theory]
    [InlineData("/// <summary>Hangfire.PostgreSql's queue, plus a NOTIFY on enqueue and a wake-up on that notification.</summary>")]
    [InlineData("        // SELECT ... FOR UPDATE keeps two servers apart")]
    [InlineData("""        logger.LogInformation("Selected {Count} runs to update from the queue", count);""")]
    [InlineData("        QueueNotifications.NotifyQueued(connection, queue);")]
    public void SqlLines_IgnoresCommentsAndProse(string line) => Assert.Empty(SqlLines(line));

    [Fact]
    public async Task NotifyQueued_ReachesTheListener_WhenItsTransactionCommits_AndNeverWhenItRollsBack()
    {
        var cs = await EngineHost.CreatePostgresDatabaseAsync();
        var heard = new List<string>();
        await using var listener = await QueueNotifications.ListenAsync(cs, heard.Add, CancellationToken.None);

        await using (var c = new NpgsqlConnection(cs))
        {
            await c.OpenAsync();
            await using (var rolledBack = await c.BeginTransactionAsync())
            {
                QueueNotifications.NotifyQueued(c, "rolled-back");
                await rolledBack.RollbackAsync();
            }

            await using var committed = await c.BeginTransactionAsync();
            QueueNotifications.NotifyQueued(c, "workflows");
            await committed.CommitAsync();
        }

        // Notifications arrive in commit order: the first one heard is the committed one, the rolled-back one never comes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (heard.Count == 0)
        {
            await listener.WaitAsync(timeout.Token);
        }

        Assert.Equal(["workflows"], heard);
        Assert.Equal("workflows_job_queued", QueueWakeUp.Channel);
    }

    /// <summary>The lines of C# source that hold SQL or run it: a statement's keywords in code (not comments), or Dapper/ADO.NET commands.</summary>
    private static IEnumerable<(int Line, string Text)> SqlLines(string source) =>
        source.Split('\n')
            .Select((text, i) => (Line: i + 1, Text: text.Trim()))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && SqlPattern().IsMatch(l.Text));

    [GeneratedRegex(@"\bSELECT\s+(\*|[\w.]+\s*\(|[\w.]+\s*,|[\w.]+\s+FROM\b|DISTINCT\b|COUNT\b)|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\b(LISTEN|NOTIFY)\s+[\w{]|\bpg_notify\b|\bCREATE\s+(TABLE|(UNIQUE\s+)?INDEX|DATABASE)\b|^using Dapper;|\b(Npgsql|Sqlite)(Command|Batch)\b|\.CreateCommand\(")]
    private static partial Regex SqlPattern();
}
