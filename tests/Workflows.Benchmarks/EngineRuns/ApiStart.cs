using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
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
/// The real server (Workflows.Server.dll in its own process, as production runs it: Kestrel, authentication, the API,
/// the engine on PostgreSQL) with workers off, and 8 client threads POSTing <c>/api/workflows/{name}/runs</c> with an API token.
/// </summary>
internal sealed class ApiStart(BenchSettings settings)
{
    private const string Workflow = "bench-api";

    public async Task<ApiStartResult> MeasureAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enapi", ct);
        var folder = Directory.CreateTempSubdirectory("wf-bench-api-").FullName;
        Process? server = null;
        try
        {
            var workflows = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
            // The run waits an hour in its only step; with workers off, starting it is all the server does.
            await File.WriteAllTextAsync(Path.Combine(workflows, Workflow + ".yaml"), $"name: {Workflow}\nsteps:\n  - id: wait\n    uses: core.delay\n    with: {{ duration: 1h }}\n", ct);
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var port = FreePort();
            server = Start(db.ConnectionString, folder, workflows, token, port);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Workers, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                Timeout = TimeSpan.FromSeconds(60),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await WaitHealthyAsync(http, server, ct);

            for (var i = 0; i < settings.Workers * 4; i++)
            {
                await StartOneAsync(http, ct); // JIT, connection pools, the definition cache: outside the window
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
                        await StartOneAsync(http, ct);
                        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                },
                ct)));
            var window = watch.Elapsed;
            return new ApiStartResult(runs, settings.Workers, window, Latency.Of(latencies));
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync(CancellationToken.None);
            }

            server?.Dispose();
            if (!settings.KeepDatabases)
            {
                await db.DropAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task StartOneAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await http.PostAsync($"/api/workflows/{Workflow}/runs", new StringContent("{\"inputs\":{}}", Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/workflows/{Workflow}/runs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process server, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {server.ExitCode} before it was healthy.");
            }

            try
            {
                using var r = await http.GetAsync("/healthz", ct);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("The server was not healthy within 2 minutes.");
            }

            await Task.Delay(200, ct);
        }
    }

    private Process Start(string connectionString, string folder, string workflows, string token, int port)
    {
        var dll = typeof(ApiStart).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WorkflowsServerDll").Value!;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The server is not built at {dll}; build tests/Workflows.Benchmarks (it builds the server).", dll);
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Workflows__ConnectionString"] = connectionString;
        env["Workflows__DataDirectory"] = Path.Combine(folder, "data");
        env["Workflows__WorkflowsDirectory"] = workflows;
        env["Workflows__WatchDefinitions"] = "false";
        env["Workflows__SecretKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        env["Workflows__Workers"] = settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["Workflows__RunWorkers"] = "false";
        env["Sandbox__Enabled"] = "false";
        env["Auth__BootstrapAdmin"] = "false";
        env["Auth__ApiTokens__0__Name"] = "bench";
        env["Auth__ApiTokens__0__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
        env["Auth__ApiTokens__0__Role"] = "operator";
        env["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"  server: {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
