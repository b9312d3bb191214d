using System.Collections.Concurrent;
using System.Diagnostics;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>
/// Counts the SQL commands this process sends, per database and per statement text, from Npgsql's
/// tracing activities (one per command, i.e. one round trip; both the engine and Hangfire.PostgreSql
/// use Npgsql). pg_stat_statements would count them on the server, but it needs a server restart.
/// </summary>
internal sealed class CommandCounter : IDisposable
{
    private readonly ActivityListener listener;
    private readonly ConcurrentDictionary<(string Db, string Sql), long> counts = new();

    public CommandCounter()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>Gets a snapshot of the counts of one database.</summary>
    public CommandSnapshot Snapshot(string database) =>
        new(counts.Where(kv => kv.Key.Db == database).ToDictionary(kv => kv.Key.Sql, kv => kv.Value, StringComparer.Ordinal));

    public void Dispose() => listener.Dispose();

    private void OnStopped(Activity a)
    {
        var sql = a.GetTagItem("db.query.text") as string ?? a.GetTagItem("db.statement") as string;
        if (sql is null)
        {
            return; // e.g. the physical open of a connection
        }

        var db = a.GetTagItem("db.namespace") as string ?? a.GetTagItem("db.name") as string ?? "?";
        counts.AddOrUpdate((db, Normalize(sql)), 1, (_, n) => n + 1);
    }

    private static string Normalize(string sql)
    {
        var one = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return one.Length > 110 ? one[..110] + "…" : one;
    }
}

/// <summary>Command counts per statement text at one moment.</summary>
internal sealed record CommandSnapshot(IReadOnlyDictionary<string, long> BySql)
{
    public long Total => BySql.Values.Sum();

    public static CommandSnapshot operator -(CommandSnapshot a, CommandSnapshot b) =>
        new(a.BySql.Select(kv => (kv.Key, Value: kv.Value - b.BySql.GetValueOrDefault(kv.Key))).Where(x => x.Value != 0).ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal));

    public long Count(string prefix) => BySql.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);

    public IEnumerable<(string Sql, long Count)> Top(int n) => BySql.OrderByDescending(kv => kv.Value).Take(n).Select(kv => (kv.Key, kv.Value));
}
