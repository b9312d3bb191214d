using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Benchmarks.Infrastructure;
using Workflows.Engine;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;

namespace Workflows.Benchmarks.Bare;

/// <summary>Records when bare Hangfire jobs ran (in-process, Stopwatch ticks).</summary>
public sealed class JobRecorder
{
    private readonly ConcurrentDictionary<(int Chain, int Index), (long Start, long End)> links = new();
    private long first = long.MaxValue;
    private long last;
    private int done;

    public int Done => Volatile.Read(ref done);

    public TimeSpan Window => Stopwatch.GetElapsedTime(Interlocked.Read(ref first), Interlocked.Read(ref last));

    public void Record(int chain, int index, long start)
    {
        var end = Stopwatch.GetTimestamp();
        if (chain >= 0)
        {
            links[(chain, index)] = (start, end);
        }

        Min(ref first, start);
        Max(ref last, end);
        Interlocked.Increment(ref done);
    }

    public bool Finished(int chain, int length) => links.ContainsKey((chain, length - 1));

    /// <summary>Gets the gaps from the end of each job to the start of its continuation.</summary>
    public IEnumerable<double> Gaps(IEnumerable<int> chains, int length)
    {
        foreach (var c in chains)
        {
            for (var i = 1; i < length; i++)
            {
                yield return Stopwatch.GetElapsedTime(links[(c, i - 1)].End, links[(c, i)].Start).TotalMilliseconds;
            }
        }
    }

    public void Reset()
    {
        links.Clear();
        Interlocked.Exchange(ref first, long.MaxValue);
        Interlocked.Exchange(ref last, 0);
        Interlocked.Exchange(ref done, 0);
    }

    private static void Min(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value < seen; seen = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private static void Max(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}

/// <summary>The bare Hangfire jobs: no work at all, only the recording.</summary>
public sealed class BenchJobs(JobRecorder recorder)
{
    public void Noop() => recorder.Record(-1, 0, Stopwatch.GetTimestamp());

    public void Link(int chain, int index) => recorder.Record(chain, index, Stopwatch.GetTimestamp());
}

/// <summary>Makes the bench jobs with the recorder of the host that runs them.</summary>
internal sealed class BenchActivator(JobRecorder recorder) : JobActivator
{
    public override object ActivateJob(Type jobType) =>
        jobType == typeof(BenchJobs) ? new BenchJobs(recorder) : throw new InvalidOperationException($"Not a bench job: {jobType}.");
}

/// <summary>
/// Bare Hangfire on PostgreSQL, configured exactly as the engine configures it
/// (WorkflowEngineServiceCollectionExtensions): same storage options, same server options.
/// </summary>
internal sealed class BareHangfire(BenchSettings settings, CommandCounter commands)
{
    private const string Queue = "workflows";
    private readonly JobRecorder recorder = new();

    /// <summary>Enqueues N no-op jobs with no server running, then drains them with 8 workers.</summary>
    public async Task<DrainResult> DrainAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "hfdrain", ct);
        try
        {
            recorder.Reset();
            using var producer = Build(db.ConnectionString, server: false);
            await producer.StartAsync(ct);
            var client = producer.Services.GetRequiredService<IBackgroundJobClient>();
            const int warm = 8; // installs the schema and warms the code paths outside the counted window
            for (var i = 0; i < warm; i++)
            {
                Enqueue(client);
            }

            var c0 = await db.QuiesceAsync(ct);
            var k0 = commands.Snapshot(db.Name);
            var watch = Stopwatch.StartNew();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                () =>
                {
                    while (Interlocked.Increment(ref next) < settings.HangfireJobs)
                    {
                        Enqueue(client);
                    }
                },
                ct)));
            var createTime = watch.Elapsed;
            var c1 = await db.QuiesceAsync(ct);
            var k1 = commands.Snapshot(db.Name);

            var total = settings.HangfireJobs + warm;
            using (var worker = Build(db.ConnectionString, server: true))
            {
                await worker.StartAsync(ct);
                await Waiting.UntilAsync(() => recorder.Done >= total, () => recorder.Done, $"{total} bare jobs", settings.StallTimeout, () => JobStatesAsync(db, ct), ct);
                await worker.StopAsync(ct);
            }

            await producer.StopAsync(ct);
            var c2 = await db.QuiesceAsync(ct);
            var k2 = commands.Snapshot(db.Name);
            return new DrainResult("bare Hangfire no-op jobs", settings.HangfireJobs, settings.HangfireJobs, total, createTime, recorder.Window, c1 - c0, c2 - c1, k1 - k0, k2 - k1);
        }
        finally
        {
            await DropAsync(db);
        }
    }

    /// <summary>
    /// Enqueues N no-op jobs from 8 threads on a host whose server (8 workers) runs them meanwhile: first enqueue → last
    /// job ended; commits and round trips of the whole phase (host start and stop and an 8-job warm-up included).
    /// </summary>
    public async Task<ServedResult> ServedAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "hfserved", ct);
        try
        {
            recorder.Reset();
            var c0 = await db.QuiesceAsync(ct);
            var k0 = commands.Snapshot(db.Name);
            using var host = Build(db.ConnectionString, server: true);
            await host.StartAsync(ct);
            var client = host.Services.GetRequiredService<IBackgroundJobClient>();
            const int warm = 8;
            for (var i = 0; i < warm; i++)
            {
                Enqueue(client);
            }

            await Waiting.UntilAsync(() => recorder.Done >= warm, () => recorder.Done, "warm-up jobs", settings.StallTimeout, () => JobStatesAsync(db, ct), ct);
            recorder.Reset();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                () =>
                {
                    while (Interlocked.Increment(ref next) < settings.OneStepRuns)
                    {
                        Enqueue(client);
                    }
                },
                ct)));
            await Waiting.UntilAsync(() => recorder.Done >= settings.OneStepRuns, () => recorder.Done, $"{settings.OneStepRuns} bare jobs", settings.StallTimeout, () => JobStatesAsync(db, ct), ct);
            var window = recorder.Window;
            await host.StopAsync(ct);
            var c1 = await db.QuiesceAsync(ct);
            var k1 = commands.Snapshot(db.Name);
            return new ServedResult("bare Hangfire no-op jobs enqueued on a server", settings.OneStepRuns, 1, settings.OneStepRuns + warm, window, c1 - c0, k1 - k0);
        }
        finally
        {
            await DropAsync(db);
        }
    }

    /// <summary>Chains of 10 jobs (ContinueJobWith): alone, one after the other, then many at once.</summary>
    public async Task ChainsAsync(BenchResults results, CancellationToken ct)
    {
        const int length = 10;
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "hfchain", ct);
        try
        {
            recorder.Reset();
            using var host = Build(db.ConnectionString, server: true);
            await host.StartAsync(ct);
            var client = host.Services.GetRequiredService<IBackgroundJobClient>();

            // Warm-up chain (JIT, connections), not measured.
            await RunChainsAsync(client, [1_000_000], length, ct);

            var alone = Enumerable.Range(0, settings.SequentialChains).ToList();
            foreach (var c in alone)
            {
                await RunChainsAsync(client, [c], length, ct);
            }

            results.HangfireChainsAlone = Latency.Of(recorder.Gaps(alone, length));

            var loaded = Enumerable.Range(1000, settings.ConcurrentChains).ToList();
            var watch = Stopwatch.StartNew();
            await RunChainsAsync(client, loaded, length, ct);
            results.HangfireChainsLoadedWindow = watch.Elapsed;
            results.HangfireChainsLoadedCount = loaded.Count;
            results.HangfireChainsLoaded = Latency.Of(recorder.Gaps(loaded, length));
            await host.StopAsync(ct);
        }
        finally
        {
            await DropAsync(db);
        }
    }

    /// <summary>A Hangfire server with nothing to do: statements over the idle window.</summary>
    public async Task<IdleResult> IdleAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "hfidle", ct);
        try
        {
            return await Idle.MeasureAsync(db, commands, settings.IdleWindow, () => Build(db.ConnectionString, server: true), _ => [], ct);
        }
        finally
        {
            await DropAsync(db);
        }
    }

    private static void Enqueue(IBackgroundJobClient client) =>
        client.Create(Job.FromExpression<BenchJobs>(j => j.Noop(), Queue), new EnqueuedState(Queue));

    private async Task RunChainsAsync(IBackgroundJobClient client, IReadOnlyList<int> chains, int length, CancellationToken ct)
    {
        // Build every chain first (its head parked as scheduled), then release the heads together,
        // so that building does not overlap running.
        var heads = new List<string>();
        foreach (var c in chains)
        {
            var parent = client.Create(Job.FromExpression<BenchJobs>(j => j.Link(c, 0), Queue), new ScheduledState(TimeSpan.FromHours(1)));
            heads.Add(parent);
            for (var i = 1; i < length; i++)
            {
                var index = i;
                parent = client.Create(
                    Job.FromExpression<BenchJobs>(j => j.Link(c, index), Queue),
                    new AwaitingState(parent, new EnqueuedState(Queue), JobContinuationOptions.OnlyOnSucceededState));
            }
        }

        foreach (var h in heads)
        {
            client.ChangeState(h, new EnqueuedState(Queue), ScheduledState.StateName);
        }

        await Waiting.UntilAsync(() => chains.All(c => recorder.Finished(c, length)), () => recorder.Done, $"{chains.Count} chain(s)", settings.StallTimeout, null, ct);
    }

    private static Task<string> JobStatesAsync(BenchDatabase db, CancellationToken ct) =>
        db.QueryAsync(
            async c =>
            {
                await using var cmd = new Npgsql.NpgsqlCommand("SELECT coalesce(statename, '(none)') || ': ' || count(*) FROM hangfire.job GROUP BY statename ORDER BY 1", c);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                var states = new List<string>();
                while (await r.ReadAsync(ct))
                {
                    states.Add(r.GetString(0));
                }

                await r.CloseAsync();

                // Where the unfinished jobs sit in the queue: never fetched, or fetched and kept invisible (by whom).
                await using var q = new Npgsql.NpgsqlCommand(
                    "SELECT q.queue || ' ' || (CASE WHEN q.fetchedat IS NULL THEN 'not fetched' ELSE 'fetched ' || round(extract(epoch FROM now() - q.fetchedat)) || ' s ago' END) || ': ' || count(*) FROM hangfire.jobqueue q GROUP BY 1 ORDER BY 1",
                    c);
                await using var qr = await q.ExecuteReaderAsync(ct);
                var rows = new List<string>();
                while (await qr.ReadAsync(ct))
                {
                    rows.Add(qr.GetString(0));
                }

                return "Jobs by state: " + string.Join(", ", states) + ". Queue rows: " + (rows.Count == 0 ? "none" : string.Join(", ", rows));
            },
            ct);

    private async Task DropAsync(BenchDatabase db)
    {
        if (!settings.KeepDatabases)
        {
            await db.DropAsync();
        }
    }

    private IHost Build(string connectionString, bool server)
    {
        var defaults = new EngineOptions();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(recorder);
        // The engine's own storage configuration and queue provider (HangfirePostgres): a baseline on another queue
        // setup would not be the one the engine's ratios are taken against. (It used Hangfire.PostgreSql's long polling,
        // which the engine does not, and which left jobs Enqueued for good: see HangfirePostgres.Options.)
        var wakeUp = new QueueWakeUp();
        builder.Services.AddSingleton(wakeUp);
        // Its own activator, not Hangfire.AspNetCore's process-wide default: this host's jobs get this host's recorder
        // whichever host last set JobActivator.Current (the producer, the worker, or an engine host of another section).
        builder.Services.AddHangfire(config =>
        {
            config
                .UseActivator(new BenchActivator(recorder))
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            config.UseStorage(HangfirePostgres.CreateStorage(connectionString, HangfirePostgres.Options(defaults, prepareSchema: true), wakeUp, Queue, "default"));
        });
        if (server)
        {
            // The engine's one LISTEN per server, waking idle workers when a job is queued.
            builder.Services.AddHostedService(sp => new QueueWakeUpListener(
                new EngineDatabase(DatabaseKind.Postgres, connectionString, NullLogger<EngineDatabase>.Instance),
                wakeUp,
                TimeProvider.System,
                sp.GetRequiredService<ILogger<QueueWakeUpListener>>()));
            builder.Services.AddHangfireServer(o =>
            {
                o.WorkerCount = settings.Workers;
                o.Queues = [Queue, "default"];
                o.SchedulePollingInterval = defaults.SchedulePollingInterval;
                o.ServerName = $"bench:{Environment.ProcessId}:{Guid.NewGuid():N}";
            });
        }

        return builder.Build();
    }
}
