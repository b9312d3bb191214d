using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>
/// Runs waiting at once on one engine host (a <c>core.delay</c>), what they cost, and how long a restarted host takes to
/// finish them once their waits are due.
/// </summary>
/// <param name="Runs">How many runs waited.</param>
/// <param name="StartTime">How long starting <paramref name="ThroughEngine"/> of them through the engine took (8 threads, workers running: each run's first poll too).</param>
/// <param name="ManagedBytes">The managed heap after a full collection, before the runs and while they wait.</param>
/// <param name="WorkingSet">The process's working set (RSS), before the runs and while they wait.</param>
/// <param name="DatabaseBytes">pg_database_size while they wait.</param>
/// <param name="ListPage">Runs list page 1 (50 runs, the engine's read model) while they wait.</param>
/// <param name="Idle">Statements sent by the host over an idle window while they wait.</param>
/// <param name="Recovery">From a new host's start (the old one stopped, every wait due) to the last run Succeeded; null when not measured.</param>
/// <param name="RecoveryNote">Why recovery was not measured, or what it includes.</param>
/// <param name="ThroughEngine">How many were started through the engine; the others are copies of one of them (<see cref="WaitingClones"/>).</param>
/// <param name="CopyTime">How long copying the others took.</param>
internal sealed record WaitingResult(
    int Runs,
    TimeSpan StartTime,
    (long Before, long Waiting) ManagedBytes,
    (long Before, long Waiting) WorkingSet,
    long DatabaseBytes,
    Latency ListPage,
    IdleResult Idle,
    TimeSpan? Recovery,
    string RecoveryNote,
    int ThroughEngine,
    TimeSpan CopyTime)
{
    public override string ToString() => FormattableString.Invariant(
        $"{Runs} waiting: RSS {WorkingSet.Waiting / 1048576.0:0} MB, database {DatabaseBytes / 1048576.0:0} MB, list p95 {ListPage.P95:0.0} ms, idle {Idle.CommandsPerSecond:0.0} statements/s, recovery {Recovery?.TotalSeconds:0.0} s");
}

/// <summary>The waiting-runs section.</summary>
internal sealed partial class EngineBench
{
    /// <summary>The workflow of the waiting runs: one <c>core.delay</c> whose duration is an input.</summary>
    private const string WaitWorkflow = "bench-wait";

    /// <summary>
    /// How many waiting runs are started through the engine at most; the rest are copies of one of them
    /// (<see cref="WaitingClones"/>): starting 100,000 one by one takes about an hour on a loaded 2-core machine.
    /// </summary>
    private const int ThroughEngineMax = 2_000;

    /// <summary>
    /// Starts <see cref="BenchSettings.WaitingRuns"/> runs that all wait until one moment, measures them while they wait,
    /// stops the host before that moment, and times a new host finishing them after it.
    /// </summary>
    public async Task<WaitingResult> WaitingAsync(CancellationToken ct)
    {
        var n = settings.WaitingRuns;
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enwait", ct);
        NpgsqlDataSource? source = null;
        try
        {
            // Every wait ends at the same moment, far enough out for starting and measuring on a loaded machine.
            // (A first run with 5,000 and 60 s + 1 s per 20 runs ran out of time: on a machine at load 45 the first polls
            // of the delay steps went at about 7/s.)
            // Above 10,000 runs (the scale goal) the restart is not measured: the waits end well after the measurements.
            var restart = n <= 10_000;
            var budget = restart ? TimeSpan.FromSeconds(60 + (n / 4.0)) : TimeSpan.FromDays(1);
            var due = DateTimeOffset.UtcNow + budget;
            TimeSpan startTime, copyTime = TimeSpan.Zero;
            var throughEngine = Math.Min(n, ThroughEngineMax);
            (long, long) managed, rss;
            long size;
            Latency list;
            IdleResult idle;
            using (var host = Build(db.ConnectionString, runWorkers: true, new StepRecorder()))
            {
                await host.StartAsync(ct);
                source = host.Services.GetRequiredService<Workflows.Engine.Storage.EngineDatabase>().DataSource;
                var before = Memory(); // an idle engine host
                var runCommands = host.Services.GetRequiredService<IRunCommands>();
                var watch = Stopwatch.StartNew();
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                    async () =>
                    {
                        int i;
                        while ((i = Interlocked.Increment(ref next)) < throughEngine)
                        {
                            if (i > 0 && i % 10_000 == 0)
                            {
                                await Console.Error.WriteLineAsync(FormattableString.Invariant($"  {i:N0} runs started in {watch.Elapsed.TotalSeconds:0} s"));
                            }

                            var seconds = Math.Max(1, (int)Math.Ceiling((due - DateTimeOffset.UtcNow).TotalSeconds));
                            await runCommands.StartAsync(
                                new StartRunRequest(WaitWorkflow, new Dictionary<string, JsonNode?> { ["duration"] = $"{seconds.ToString(CultureInfo.InvariantCulture)}s" }, new TriggerInfo(TriggerKind.Api, "bench")),
                                ct);
                        }
                    },
                    ct)));
                startTime = watch.Elapsed;
                // Waiting, or already finished when the machine was slower than the budget (then recovery is not measured).
                const string WaitingOrDone = "SELECT count(*) FROM wf_steps WHERE status = 'Waiting' OR (status = 'Succeeded' AND kind = 'step')";
                await UntilCountAsync(db, WaitingOrDone, throughEngine, $"{throughEngine} runs waiting", ct);
                if (n > throughEngine)
                {
                    var copy = Stopwatch.StartNew();
                    var template = await db.QueryAsync(
                        async c =>
                        {
                            await using var cmd = new NpgsqlCommand("SELECT run_id FROM wf_steps WHERE status = 'Waiting' ORDER BY run_id LIMIT 1", c);
                            return (string)(await cmd.ExecuteScalarAsync(ct))!;
                        },
                        ct);
                    await WaitingClones.CopyAsync(
                        db,
                        template,
                        n - throughEngine,
                        10_000,
                        done => Console.Error.WriteLine(FormattableString.Invariant($"  {done:N0} copies of run {template} in {copy.Elapsed.TotalSeconds:0} s")),
                        ct);
                    copyTime = copy.Elapsed;
                }

                await UntilCountAsync(db, WaitingOrDone, n, $"{n} runs waiting", ct);

                var waiting = Memory();
                managed = (before.Managed, waiting.Managed);
                rss = (before.WorkingSet, waiting.WorkingSet);
                size = await ScalarAsync(db, "SELECT pg_database_size(current_database())", ct);
                var queries = host.Services.GetRequiredService<IRunQueries>();
                var times = new List<double>();
                for (var i = -3; i < 40; i++)
                {
                    var t = Stopwatch.StartNew();
                    var page = await queries.ListAsync(new RunFilter { Page = 1, PageSize = 50 }, ct);
                    if (i >= 0)
                    {
                        times.Add(t.Elapsed.TotalMilliseconds);
                    }

                    // The list counts a bounded number of runs past the page (a lower bound beyond it, flagged as such).
                    if (page.TotalExact ? page.Total != n : page.Total > n)
                    {
                        throw new InvalidOperationException($"The runs list counts {page.Total} runs ({(page.TotalExact ? "exact" : "a lower bound")}), with {n} waiting.");
                    }
                }

                list = Latency.Of(times);

                // Statements the host sends over a window while the runs wait (counted in-process: the host's own only).
                var k0 = commands.Snapshot(db.Name);
                var window = settings.IdleWindow;
                await Task.Delay(window, ct);
                idle = new IdleResult(window, default, commands.Snapshot(db.Name) - k0);
                await host.StopAsync(ct);
            }

            if (source is not null)
            {
                await source.DisposeAsync();
                source = null;
            }

            if (!restart)
            {
                return new WaitingResult(n, startTime, managed, rss, size, list, idle, null, FormattableString.Invariant($"not measured at {n:N0} runs (their waits end in a day; the restart is measured at 10,000 runs or fewer)"), throughEngine, copyTime);
            }

            var succeeded = await ScalarAsync(db, "SELECT count(*) FROM wf_runs WHERE status = 'Succeeded'", ct);
            if (succeeded > 0 || DateTimeOffset.UtcNow >= due)
            {
                return new WaitingResult(n, startTime, managed, rss, size, list, idle, null, FormattableString.Invariant($"not measured: the waits fell due before the host stopped ({succeeded} runs had finished); the machine was slower than the budget of {budget.TotalSeconds:0} s"), throughEngine, copyTime);
            }

            // Every wait due, no server running: then a new one.
            await Task.Delay(due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1), ct);
            var recovery = Stopwatch.StartNew();
            using (var host = Build(db.ConnectionString, runWorkers: true, new StepRecorder()))
            {
                await host.StartAsync(ct);
                source = host.Services.GetRequiredService<Workflows.Engine.Storage.EngineDatabase>().DataSource;
                await UntilCountAsync(db, "SELECT count(*) FROM wf_runs WHERE status = 'Succeeded'", n, $"{n} runs resumed", ct);
                var took = recovery.Elapsed;
                await host.StopAsync(ct);
                return new WaitingResult(n, startTime, managed, rss, size, list, idle, took, "from the new host's start (its startup included) to the last run Succeeded; polled every 100 ms", throughEngine, copyTime);
            }
        }
        finally
        {
            if (source is not null)
            {
                await source.DisposeAsync();
            }

            await DropAsync(db);
        }
    }

    private static (long Managed, long WorkingSet) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), p.WorkingSet64);
    }

    private static async Task<long> ScalarAsync(BenchDatabase db, string sql, CancellationToken ct) =>
        await db.QueryAsync(
            async c =>
            {
                await using var cmd = new NpgsqlCommand(sql, c);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            },
            ct);

    /// <summary>Waits until a count reaches <paramref name="target"/>; fails when it has not moved for the stall timeout.</summary>
    private async Task UntilCountAsync(BenchDatabase db, string sql, long target, string what, CancellationToken ct)
    {
        var last = -1L;
        var since = Stopwatch.StartNew();
        while (true)
        {
            var now = await ScalarAsync(db, sql, ct);
            if (now >= target)
            {
                return;
            }

            if (now != last)
            {
                last = now;
                since.Restart();
            }
            else if (since.Elapsed > settings.StallTimeout)
            {
                throw new TimeoutException($"{what}: no progress for {settings.StallTimeout} ({now} of {target}).");
            }

            await Task.Delay(100, ct);
        }
    }
}
