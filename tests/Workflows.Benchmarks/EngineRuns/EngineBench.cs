using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Benchmarks.Infrastructure;
using Workflows.Engine.Storage;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>
/// The engine hosted as in production (AddWorkflowEngine on Hangfire + PostgreSQL, default options
/// but 8 workers), running workflows of <c>bench.noop</c> steps.
/// </summary>
internal sealed partial class EngineBench(BenchSettings settings, CommandCounter commands) : IDisposable
{
    private static readonly string[] TenSteps = [.. Enumerable.Range(1, 10).Select(i => $"s{i}")];
    private readonly string folder = Directory.CreateTempSubdirectory("wf-bench-").FullName;
    private readonly string secretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static IReadOnlyDictionary<string, string[]> Workflows { get; } = new Dictionary<string, string[]>
    {
        ["bench-1"] = ["s1"],
        ["bench-10"] = TenSteps,
    };

    /// <summary>Starts the runs with no worker running (a host with RunWorkers=false), then drains them with 8 workers.</summary>
    public async Task<DrainResult> DrainAsync(string workflow, int runs, CancellationToken ct)
    {
        var stepIds = Workflows[workflow];
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, workflow.Replace('-', '_'), ct);
        var recorder = new StepRecorder();
        NpgsqlDataSource[] producerSources = [];
        try
        {
            using var producer = Build(db.ConnectionString, runWorkers: false, recorder);
            await producer.StartAsync(ct);
            producerSources = EnginePools.Of(producer.Services);
            var runCommands = producer.Services.GetRequiredService<IRunCommands>();
            var ids = new ConcurrentBag<Guid>();
            const int warm = 8; // installs Hangfire's schema and warms the code paths outside the counted window
            for (var i = 0; i < warm; i++)
            {
                ids.Add((await StartAsync(runCommands, workflow, ct)).Id);
            }

            var c0 = await db.QuiesceAsync(ct, producerSources);
            var k0 = commands.Snapshot(db.Name);
            var watch = Stopwatch.StartNew();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                async () =>
                {
                    while (Interlocked.Increment(ref next) < runs)
                    {
                        ids.Add((await StartAsync(runCommands, workflow, ct)).Id);
                    }
                },
                ct)));
            var createTime = watch.Elapsed;
            var c1 = await db.QuiesceAsync(ct, producerSources);
            var k1 = commands.Snapshot(db.Name);

            await ProcessAsync(db, recorder, stepIds, ids.ToList(), producerSources, ct);
            var c2 = await db.QuiesceAsync(ct, producerSources);
            var k2 = commands.Snapshot(db.Name);

            // Read back through the engine's own read model, after the counted window.
            var queries = producer.Services.GetRequiredService<IRunQueries>();
            var details = await ReadAllAsync(queries, ids, ct);
            var window = Window(details);
            var result = new DrainResult($"engine {workflow}", runs, runs * stepIds.Length, details.Count * stepIds.Length, createTime, window, c1 - c0, c2 - c1, k1 - k0, k2 - k1)
            {
                StoredGaps = stepIds.Length > 1 ? Latency.Of(StoredGaps(details)) : null,
                ActionGaps = stepIds.Length > 1 ? Latency.Of(recorder.Gaps(ids, stepIds)) : null,
            };
            await producer.StopAsync(ct);
            return result;
        }
        finally
        {
            foreach (var s in producerSources)
            {
                await s.DisposeAsync();
            }

            await DropAsync(db);
        }
    }

    /// <summary>10-step runs one at a time on an otherwise idle engine.</summary>
    public async Task<(Latency Stored, Latency Actions)> AloneAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enalone", ct);
        var recorder = new StepRecorder();
        NpgsqlDataSource? source = null;
        try
        {
            using var host = Build(db.ConnectionString, runWorkers: true, recorder);
            var done = new ConcurrentDictionary<Guid, byte>();
            using var subscription = host.Services.GetRequiredService<IRunNotifications>().Subscribe(null, n =>
            {
                if (recorder.ExecutionsOf(n.RunId) >= TenSteps.Length)
                {
                    done.TryAdd(n.RunId, 0);
                }
            });
            await host.StartAsync(ct);
            source = host.Services.GetRequiredService<EngineDatabase>().DataSource;
            var runCommands = host.Services.GetRequiredService<IRunCommands>();
            var ids = new List<Guid>();
            for (var i = -2; i < settings.SequentialRuns; i++)
            {
                var id = (await StartAsync(runCommands, "bench-10", ct)).Id;
                await Waiting.UntilAsync(() => done.ContainsKey(id), recorder.Executions, $"run {id}", settings.StallTimeout, null, ct);
                if (i >= 0)
                {
                    ids.Add(id); // the first two warm up
                }
            }

            var details = await ReadAllAsync(host.Services.GetRequiredService<IRunQueries>(), ids, ct);
            await host.StopAsync(ct);
            return (Latency.Of(StoredGaps(details)), Latency.Of(recorder.Gaps(ids, TenSteps)));
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

    /// <summary>An engine host (8 workers, sweeper, Hangfire server) with no runs.</summary>
    public async Task<IdleResult> IdleAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enidle", ct);
        try
        {
            return await Idle.MeasureAsync(
                db,
                commands,
                settings.IdleWindow,
                () => Build(db.ConnectionString, runWorkers: true, new StepRecorder()),
                h => EnginePools.Of(h.Services),
                ct);
        }
        finally
        {
            await DropAsync(db);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder; the OS cleans it.
        }
    }

    private static Task<RunSummary> StartAsync(IRunCommands runCommands, string workflow, CancellationToken ct) =>
        runCommands.StartAsync(new StartRunRequest(workflow, new Dictionary<string, JsonNode?>(), new TriggerInfo(TriggerKind.Api, "bench")), ct);

    private static async Task<List<RunDetail>> ReadAllAsync(IRunQueries queries, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var details = new ConcurrentBag<RunDetail>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (id, token) =>
        {
            details.Add(await queries.GetAsync(id, token) ?? throw new InvalidOperationException($"Run {id} is missing."));
        });
        var bad = details.Where(d => d.Run.Status != RunStatus.Succeeded).ToList();
        if (bad.Count > 0)
        {
            throw new InvalidOperationException($"{bad.Count} run(s) did not succeed, e.g. {bad[0].Run.Id}: {bad[0].Run.Status} {bad[0].Run.Error}");
        }

        return [.. details];
    }

    private static TimeSpan Window(IReadOnlyList<RunDetail> details)
    {
        var steps = details.SelectMany(d => d.Steps).ToList();
        return steps.Max(s => s.FinishedAt!.Value) - steps.Min(s => s.StartedAt!.Value);
    }

    private static IEnumerable<double> StoredGaps(IEnumerable<RunDetail> details) =>
        details.SelectMany(d => d.Steps.Zip(d.Steps.Skip(1), (prev, next) => (next.StartedAt!.Value - prev.FinishedAt!.Value).TotalMilliseconds));

    private async Task ProcessAsync(BenchDatabase db, StepRecorder recorder, string[] stepIds, IReadOnlyList<Guid> ids, NpgsqlDataSource[] producerSources, CancellationToken ct)
    {
        // Finished = the engine published a change of the run after its last action ran, i.e. after
        // the transaction that recorded the last result committed; no polling of the database.
        var done = new ConcurrentDictionary<Guid, byte>();
        using var worker = Build(db.ConnectionString, runWorkers: true, recorder);
        using var subscription = worker.Services.GetRequiredService<IRunNotifications>().Subscribe(null, n =>
        {
            if (recorder.ExecutionsOf(n.RunId) >= stepIds.Length)
            {
                done.TryAdd(n.RunId, 0);
            }
        });
        await worker.StartAsync(ct);
        await Waiting.UntilAsync(() => done.Count >= ids.Count, recorder.Executions, $"{ids.Count} runs", settings.StallTimeout, null, ct);
        var sources = EnginePools.Of(worker.Services);
        await worker.StopAsync(ct);
        await db.QuiesceAsync(ct, [.. sources, .. producerSources]);
        foreach (var s in sources)
        {
            await s.DisposeAsync();
        }
    }

    private async Task DropAsync(BenchDatabase db)
    {
        if (!settings.KeepDatabases)
        {
            await db.DropAsync();
        }
    }

    private IHost Build(string connectionString, bool runWorkers, StepRecorder recorder, bool inlineStart = true)
    {
        var wfDir = Path.Combine(folder, "workflows");
        if (!Directory.Exists(wfDir))
        {
            Directory.CreateDirectory(wfDir);
            foreach (var (name, steps) in Workflows)
            {
                var lines = steps.Select((s, i) => i == 0 ? $"  - {{ id: {s}, uses: bench.noop }}" : $"  - {{ id: {s}, uses: bench.noop, needs: [{steps[i - 1]}] }}");
                File.WriteAllText(Path.Combine(wfDir, name + ".yaml"), $"name: {name}\nsteps:\n{string.Join('\n', lines)}\n");
            }

            File.WriteAllText(
                Path.Combine(wfDir, WaitWorkflow + ".yaml"),
                $"name: {WaitWorkflow}\ninputs:\n  duration: {{ type: string, default: 1h }}\nsteps:\n  - {{ id: wait, uses: core.delay, with: {{ duration: \"${{{{ inputs.duration }}}}\" }} }}\n");
        }

        var builder = Host.CreateApplicationBuilder();
        var config = new Dictionary<string, string?>
        {
            ["Workflows:ConnectionString"] = connectionString,
            ["Workflows:DataDirectory"] = Path.Combine(folder, "data"),
            ["Workflows:WorkflowsDirectory"] = wfDir,
            ["Workflows:WatchDefinitions"] = "false",
            ["Workflows:SecretKey"] = secretKey,
            ["Workflows:Workers"] = settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Workflows:RunWorkers"] = runWorkers ? "true" : "false",
            ["Workflows:InlineStart"] = inlineStart ? "true" : "false",
        };
        if (!runWorkers)
        {
            // The host that only starts runs must stay silent while the workers are measured.
            // (The sweeper looks at leases at least once per lease, and the sweep interval must stay below the lease.)
            config["Workflows:SweepInterval"] = "01:00:00";
            config["Workflows:LeaseDuration"] = "02:00:00";
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(recorder);
        builder.Services.AddWorkflowEngine(builder.Configuration);
        builder.Services.AddWorkflowAction<NoopAction>("bench.noop", "Does nothing (benchmark)");
        return builder.Build();
    }
}
