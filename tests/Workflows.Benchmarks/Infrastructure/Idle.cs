using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>
/// Measures what a host sends while it has nothing to do. Counters can only be read exactly with
/// no connection open (see <see cref="BenchDatabase.QuiesceAsync"/>), so the host runs twice, a
/// short and a long time, each from start to stop; the difference is the idle window alone.
/// </summary>
internal static class Idle
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static async Task<IdleResult> MeasureAsync(
        BenchDatabase db,
        CommandCounter commands,
        TimeSpan window,
        Func<IHost> build,
        Func<IHost, IReadOnlyList<NpgsqlDataSource>> dataSources,
        CancellationToken ct)
    {
        await CycleAsync(TimeSpan.Zero); // creates the schema; not measured
        var (shortTx, shortCmd) = await CycleAsync(Settle);
        var (longTx, longCmd) = await CycleAsync(Settle + window);
        return new IdleResult(window, longTx - shortTx, longCmd - shortCmd);

        async Task<(DbCounters, CommandSnapshot)> CycleAsync(TimeSpan hold)
        {
            var c0 = await db.QuiesceAsync(ct);
            var k0 = commands.Snapshot(db.Name);
            IReadOnlyList<NpgsqlDataSource> sources;
            using (var host = build())
            {
                await host.StartAsync(ct);
                await Task.Delay(hold, ct);
                sources = dataSources(host);
                await host.StopAsync(ct);
            }

            var c1 = await db.QuiesceAsync(ct, [.. sources]);
            foreach (var s in sources)
            {
                await s.DisposeAsync();
            }

            return (c1 - c0, commands.Snapshot(db.Name) - k0);
        }
    }
}
