using System.Diagnostics;
using Npgsql;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>Transactions PostgreSQL counted for one database (pg_stat_database).</summary>
internal readonly record struct DbCounters(long Commits, long Rollbacks)
{
    public long Transactions => Commits + Rollbacks;

    public static DbCounters operator -(DbCounters a, DbCounters b) => new(a.Commits - b.Commits, a.Rollbacks - b.Rollbacks);
}

/// <summary>A fresh database for one measurement section, and exact reads of its transaction counters.</summary>
internal sealed class BenchDatabase
{
    private readonly string admin;

    private BenchDatabase(string admin, string name)
    {
        this.admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string admin, string purpose, CancellationToken ct)
    {
        var name = $"wf_bench_{purpose}_{Guid.NewGuid():N}"[..Math.Min(63, 10 + purpose.Length + 12)];
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
        await cmd.ExecuteNonQueryAsync(ct);
        return new BenchDatabase(admin, name);
    }

    /// <summary>
    /// Closes every connection to the database and reads its counters once every backend has gone.
    /// PostgreSQL 15 flushes an idle backend's statistics up to 10 s late (pg_stat_force_next_flush
    /// only affects the calling backend); a backend that exits flushes them at once. So the only
    /// exact reading is one taken with no backend connected, which is what this does.
    /// </summary>
    public async Task<DbCounters> QuiesceAsync(CancellationToken ct, params NpgsqlDataSource?[] dataSources)
    {
        foreach (var ds in dataSources)
        {
            ds?.Clear();
        }

        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(ct);
        var watch = Stopwatch.StartNew();
        var terminated = false;
        while (await ScalarAsync<long>(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = @n", ct) > 0)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(5) && !terminated)
            {
                // A connection held outside a pool (e.g. a listener); its owner reconnects if it needs to.
                await ScalarAsync<long>(c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @n", ct);
                terminated = true;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"Connections to {Name} did not close within 20 s.");
            }

            await Task.Delay(20, ct);
        }

        // A backend leaves pg_stat_activity a moment before its exit hook flushes its statistics.
        var last = await ReadAsync(c, ct);
        for (var stable = 0; stable < 3;)
        {
            await Task.Delay(50, ct);
            var now = await ReadAsync(c, ct);
            stable = now == last ? stable + 1 : 0;
            last = now;
        }

        return last;
    }

    public async Task<T> QueryAsync<T>(Func<NpgsqlConnection, Task<T>> query, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync(ct);
        return await query(c);
    }

    public async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<DbCounters> ReadAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", c))
        {
            await clear.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = @n", c);
        cmd.Parameters.AddWithValue("n", Name);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new DbCounters(r.GetInt64(0), r.GetInt64(1)) : default;
    }

    private async Task<T> ScalarAsync<T>(NpgsqlConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        cmd.Parameters.AddWithValue("n", Name);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
