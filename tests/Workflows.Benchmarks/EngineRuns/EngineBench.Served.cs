using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Benchmarks.Infrastructure;
using Workflows.Engine.Storage;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>
/// Runs started on a server with workers (as its REST API or portal would start them): the case where a run's first
/// step starts on the accepting server without a queue round trip (<c>Workflows:InlineStart</c>).
/// </summary>
internal sealed partial class EngineBench
{
    /// <summary>
    /// Starts <paramref name="runs"/> runs from 8 threads on one host with 8 workers and waits until all have finished:
    /// first start → last run finished (its last result committed), commits and round trips of the whole phase.
    /// </summary>
    public async Task<ServedResult> ServedAsync(string workflow, int runs, bool inlineStart, CancellationToken ct)
    {
        var stepIds = Workflows[workflow];
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, $"{workflow.Replace('-', '_')}_srv{(inlineStart ? "i" : "q")}", ct);
        var recorder = new StepRecorder();
        NpgsqlDataSource[] sources = [];
        try
        {
            var c0 = await db.QuiesceAsync(ct);
            var k0 = commands.Snapshot(db.Name);
            var done = new ConcurrentDictionary<Guid, byte>();
            long lastDone = 0;
            using var host = Build(db.ConnectionString, runWorkers: true, recorder, inlineStart);
            using var subscription = host.Services.GetRequiredService<IRunNotifications>().Subscribe(null, n =>
            {
                if (recorder.ExecutionsOf(n.RunId) >= stepIds.Length && done.TryAdd(n.RunId, 0))
                {
                    Interlocked.Exchange(ref lastDone, Stopwatch.GetTimestamp());
                }
            });
            await host.StartAsync(ct);
            sources = EnginePools.Of(host.Services);
            var runCommands = host.Services.GetRequiredService<IRunCommands>();
            const int warm = 8; // JIT and connections, inside the commit count (as the drains' warm-up is), outside the window
            var warmIds = new List<Guid>();
            for (var i = 0; i < warm; i++)
            {
                warmIds.Add((await StartAsync(runCommands, workflow, ct)).Id);
            }

            await Waiting.UntilAsync(() => warmIds.All(done.ContainsKey), recorder.Executions, "warm-up runs", settings.StallTimeout, null, ct);
            var began = Stopwatch.GetTimestamp();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                async () =>
                {
                    while (Interlocked.Increment(ref next) < runs)
                    {
                        await StartAsync(runCommands, workflow, ct);
                    }
                },
                ct)));
            await Waiting.UntilAsync(() => done.Count >= runs + warm, recorder.Executions, $"{runs} runs", settings.StallTimeout, null, ct);
            var window = Stopwatch.GetElapsedTime(began, Interlocked.Read(ref lastDone));
            await host.StopAsync(ct);
            var c1 = await db.QuiesceAsync(ct, sources);
            var k1 = commands.Snapshot(db.Name);
            return new ServedResult($"engine {workflow} started on a server with workers{(inlineStart ? "" : ", InlineStart off")}", runs, stepIds.Length, (runs + warm) * stepIds.Length, window, c1 - c0, k1 - k0);
        }
        finally
        {
            foreach (var s in sources)
            {
                await s.DisposeAsync();
            }

            await DropAsync(db);
        }
    }
}
