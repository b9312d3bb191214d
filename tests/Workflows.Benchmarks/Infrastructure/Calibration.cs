using Npgsql;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>
/// What one pooled "open, one SELECT, close" costs in server transactions, to read the commit counts
/// right: Npgsql resets a pooled connection (DISCARD ALL, sent with the next command) and the server
/// counts that as a transaction of its own.
/// </summary>
internal static class Calibration
{
    public static async Task<(double PooledOpen, double HeldOpen)> CommitsPerSelectAsync(BenchSettings settings, CancellationToken ct)
    {
        const int n = 200;
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "calib", ct);
        try
        {
            var c0 = await db.QuiesceAsync(ct);
            for (var i = 0; i < n; i++)
            {
                await using var c = new NpgsqlConnection(db.ConnectionString);
                await c.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand("SELECT 1", c);
                await cmd.ExecuteScalarAsync(ct);
            }

            var c1 = await db.QuiesceAsync(ct);
            await using (var c = new NpgsqlConnection(db.ConnectionString))
            {
                await c.OpenAsync(ct);
                for (var i = 0; i < n; i++)
                {
                    await using var cmd = new NpgsqlCommand("SELECT 1", c);
                    await cmd.ExecuteScalarAsync(ct);
                }
            }

            var c2 = await db.QuiesceAsync(ct);
            return ((c1 - c0).Commits / (double)n, (c2 - c1).Commits / (double)n);
        }
        finally
        {
            if (!settings.KeepDatabases)
            {
                await db.DropAsync();
            }
        }
    }
}
