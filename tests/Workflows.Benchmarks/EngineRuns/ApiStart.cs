using System.Diagnostics;
using System.Security.Cryptography;
using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>What starting runs through the REST API measured.</summary>
/// <param name="Runs">Runs started in the counted window.</param>
/// <param name="Clients">Client threads.</param>
/// <param name="Window">First request sent → last answer received.</param>
/// <param name="Latency">Per-request latency.</param>
internal sealed record ApiStartResult(int Runs, int Clients, TimeSpan Window, Latency Latency)
{
    public double RunsPerSecond => Runs / Window.TotalSeconds;
}

/// <summary>
/// The real server (<see cref="ServerProcess"/>) with workers off, and 8 client threads POSTing <c>/api/workflows/{name}/runs</c> with an API token.
/// </summary>
internal sealed class ApiStart(BenchSettings settings)
{
    private const string Workflow = "bench-api";

    public async Task<ApiStartResult> MeasureAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enapi", ct);
        var folder = Directory.CreateTempSubdirectory("wf-bench-api-").FullName;
        ServerProcess? server = null;
        try
        {
            var workflows = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
            // The run waits an hour in its only step; with workers off, starting it is all the server does.
            await File.WriteAllTextAsync(Path.Combine(workflows, Workflow + ".yaml"), $"name: {Workflow}\nsteps:\n  - id: wait\n    uses: core.delay\n    with: {{ duration: 1h }}\n", ct);
            server = await ServerProcess.StartAsync(
                "server",
                db.ConnectionString,
                folder,
                workflows,
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                new Dictionary<string, string>
                {
                    ["Workflows__Workers"] = settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Workflows__RunWorkers"] = "false",
                },
                settings.Workers,
                ct);
            for (var i = 0; i < settings.Workers * 4; i++)
            {
                await server.StartRunAsync(Workflow, ct); // JIT, connection pools, the definition cache: outside the window
            }

            var runs = settings.ApiRuns;
            var latencies = new double[runs];
            var next = -1;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                async () =>
                {
                    for (var i = Interlocked.Increment(ref next); i < runs; i = Interlocked.Increment(ref next))
                    {
                        var started = Stopwatch.GetTimestamp();
                        await server.StartRunAsync(Workflow, ct);
                        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                },
                ct)));
            var window = watch.Elapsed;
            return new ApiStartResult(runs, settings.Workers, window, Latency.Of(latencies));
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (!settings.KeepDatabases)
            {
                await db.DropAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }
}
