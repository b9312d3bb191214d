using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>What killing one of two servers measured.</summary>
/// <param name="Killed">Steps the killed server held (its requests to the slow endpoint that broke off at the kill).</param>
/// <param name="Survivor">Steps the surviving server held at the kill.</param>
/// <param name="ActionSeconds">How long one execution of the step's action takes.</param>
/// <param name="Recovery">Per step the killed server held: SIGKILL → its request arriving again (the survivor executing it).</param>
/// <param name="Overlaps">Requests that arrived while another request of the same step was still in flight (must be 0).</param>
/// <param name="Succeeded">Runs that succeeded in the end, of <paramref name="Runs"/>.</param>
/// <param name="Runs">Runs started.</param>
/// <param name="Resumed">step.attempt.resumed audit events (one per step the killed server held).</param>
/// <param name="Attempts">Attempts stored in all (one per run: a lost worker resumes the same attempt).</param>
internal sealed record KillRecoveryResult(int Killed, int Survivor, double ActionSeconds, IReadOnlyList<TimeSpan> Recovery, int Overlaps, long Succeeded, int Runs, long Resumed, long Attempts)
{
    public TimeSpan P50 => Recovery.Count == 0 ? TimeSpan.Zero : Recovery.Order().ElementAt(Recovery.Count / 2);

    public TimeSpan Max => Recovery.Count == 0 ? TimeSpan.Zero : Recovery.Max();

    /// <summary>Gets whether every check held: each held step came back once, never two at once, every run succeeded with one attempt.</summary>
    public bool Ok => Killed > 0 && Recovery.Count == Killed && Overlaps == 0 && Succeeded == Runs && Resumed == Killed && Attempts == Runs;

    public override string ToString() => FormattableString.Invariant(
        $"**{P50.TotalSeconds:0.0} s / {Max.TotalSeconds:0.0} s** ({Recovery.Count} of {Killed} re-taken; the survivor held {Survivor} of its own; {Overlaps} overlapping executions; {Succeeded}/{Runs} runs succeeded, {Attempts} attempts, {Resumed} resumed)");
}

/// <summary>
/// Two real servers (<see cref="ServerProcess"/>, default engine options) on one PostgreSQL run steps that take long: a
/// <c>core.http</c> POST to a slow endpoint served here. Once every step is in flight, the server holding more of them is
/// killed with SIGKILL; the endpoint sees that server's requests break off, and times each step's request arriving again
/// (the survivor resuming it). The endpoint also checks that no step is ever executed twice at once, and the database
/// that every run succeeds with its single attempt resumed, not repeated.
/// </summary>
internal sealed class KillRecovery(BenchSettings settings)
{
    private const string Workflow = "bench-kill";

    public async Task<KillRecoveryResult> MeasureAsync(CancellationToken ct)
    {
        var perServer = settings.RecoveryRunsPerServer;
        var runs = perServer * 2;
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "enkill", ct);
        var folder = Directory.CreateTempSubdirectory("wf-bench-kill-").FullName;
        await using var endpoint = await SlowEndpoint.StartAsync(settings.RecoveryActionTime, ct);
        var servers = new List<ServerProcess>();
        try
        {
            var workflows = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
            await File.WriteAllTextAsync(
                Path.Combine(workflows, Workflow + ".yaml"),
                $$$"""
                name: {{{Workflow}}}
                steps:
                  - id: work
                    uses: core.http
                    with:
                      url: "{{{endpoint.Url}}}/slow/${{ run.id }}"
                      method: POST
                      timeout: 5m
                """,
                ct);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            // Each server has a worker per run: whichever holds more at the kill, the survivor has a free worker for
            // every step it takes over (recovery is not queued behind its own long steps).
            var env = new Dictionary<string, string> { ["Workflows__Workers"] = runs.ToString(CultureInfo.InvariantCulture) };
            for (var i = 1; i <= 2; i++)
            {
                servers.Add(await ServerProcess.StartAsync($"server {i}", db.ConnectionString, Path.Combine(folder, $"s{i}"), workflows, key, env, 4, ct));
            }

            var ids = new List<string>();
            for (var i = 0; i < runs; i++)
            {
                using var response = await servers[i % 2].Http.PostAsync($"/api/workflows/{Workflow}/runs", new StringContent("{\"inputs\":{}}", Encoding.UTF8, "application/json"), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"POST /api/workflows/{Workflow}/runs answered {(int)response.StatusCode}: {body}");
                }

                ids.Add(JsonNode.Parse(body)!["id"]!.GetValue<string>());
            }

            await Until(() => endpoint.InFlight == runs, () => endpoint.InFlight, $"all {runs} steps in flight", ct);
            var held = await HeldByServerAsync(db, servers, ct);
            var victim = held[0] >= held[1] ? 0 : 1;
            Console.Error.WriteLine(FormattableString.Invariant($"  in flight: server 1 holds {held[0]}, server 2 holds {held[1]}; killing server {victim + 1} (pid {servers[victim].Process.Id})"));

            var killedAt = Stopwatch.GetTimestamp();
            await servers[victim].KillHardAsync();
            // The kernel closes the dead process's sockets: its requests break off at once.
            await Until(() => endpoint.AbortedSince(killedAt) >= held[victim], () => endpoint.AbortedSince(killedAt), $"the killed server's {held[victim]} requests to break off", ct);
            var lost = endpoint.KeysAbortedSince(killedAt);
            await Until(() => lost.All(k => endpoint.ArrivedSince(k, killedAt) is not null), () => lost.Count(k => endpoint.ArrivedSince(k, killedAt) is not null), "every step of the killed server to run again", ct);
            var recovery = lost.Select(k => Stopwatch.GetElapsedTime(killedAt, endpoint.ArrivedSince(k, killedAt)!.Value)).ToList();
            await UntilCountAsync(db, "SELECT count(*) FROM wf_runs WHERE status IN ('Succeeded', 'Failed', 'Cancelled')", runs, "every run to finish", ct);

            var succeeded = await ScalarAsync(db, "SELECT count(*) FROM wf_runs WHERE status = 'Succeeded'", ct);
            var resumed = await ScalarAsync(db, "SELECT count(*) FROM wf_audit WHERE kind = 'step.attempt.resumed'", ct);
            var attempts = await ScalarAsync(db, "SELECT count(*) FROM wf_attempts", ct);
            return new KillRecoveryResult(lost.Count, held[1 - victim], settings.RecoveryActionTime.TotalSeconds, recovery, endpoint.Overlaps, succeeded, runs, resumed, attempts);
        }
        finally
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }

            if (!settings.KeepDatabases)
            {
                await db.DropAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>How many step jobs each server is processing, from Hangfire's Processing states (their ServerId names the process).</summary>
    private static async Task<int[]> HeldByServerAsync(BenchDatabase db, List<ServerProcess> servers, CancellationToken ct)
    {
        var data = await db.QueryAsync(
            async c =>
            {
                await using var cmd = new NpgsqlCommand("SELECT s.data::text FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid WHERE j.statename = 'Processing'", c);
                var list = new List<string>();
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    list.Add(r.GetString(0));
                }

                return list;
            },
            ct);
        var held = new int[servers.Count];
        foreach (var d in data)
        {
            var serverId = JsonNode.Parse(d)?["ServerId"]?.GetValue<string>() ?? throw new InvalidOperationException($"A Processing state without a ServerId: {d}");
            var segments = serverId.Split(':');
            var i = servers.FindIndex(s => segments.Contains(s.Process.Id.ToString(CultureInfo.InvariantCulture)));
            if (i < 0)
            {
                throw new InvalidOperationException($"Hangfire server '{serverId}' is none of the started processes ({string.Join(", ", servers.Select(s => s.Process.Id))}).");
            }

            held[i]++;
        }

        return held;
    }

    private async Task Until(Func<bool> done, Func<int> progress, string what, CancellationToken ct) =>
        await Waiting.UntilAsync(done, () => progress(), what, settings.StallTimeout, null, ct);

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
            else if (since.Elapsed > settings.StallTimeout + settings.RecoveryActionTime)
            {
                throw new TimeoutException($"{what}: no progress for {since.Elapsed} ({now} of {target}).");
            }

            await Task.Delay(200, ct);
        }
    }

    private static async Task<long> ScalarAsync(BenchDatabase db, string sql, CancellationToken ct) =>
        await db.QueryAsync(
            async c =>
            {
                await using var cmd = new NpgsqlCommand(sql, c);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            },
            ct);

    /// <summary>
    /// <c>POST /slow/{key}</c> answers after a fixed time, unless the client goes away first; every request's arrival and
    /// end are kept per key, and a request arriving while another of its key is in flight is counted as an overlap.
    /// </summary>
    private sealed class SlowEndpoint : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentDictionary<string, List<Call>> calls = new(StringComparer.Ordinal);
        private int overlaps;

        private SlowEndpoint(WebApplication app) => this.app = app;

        public string Url { get; private set; } = "";

        public int Overlaps => Volatile.Read(ref overlaps);

        public int InFlight => Snapshot().Count(c => c.Ended is null);

        public static async Task<SlowEndpoint> StartAsync(TimeSpan hold, CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var endpoint = new SlowEndpoint(app);
            app.MapPost("/slow/{key}", async (string key, HttpContext http) =>
            {
                var call = new Call(Stopwatch.GetTimestamp());
                var list = endpoint.calls.GetOrAdd(key, _ => []);
                lock (list)
                {
                    if (list.Any(c => c.Ended is null))
                    {
                        Interlocked.Increment(ref endpoint.overlaps);
                    }

                    list.Add(call);
                }

                try
                {
                    await Task.Delay(hold, http.RequestAborted);
                    lock (list)
                    {
                        call.Ended = Stopwatch.GetTimestamp();
                    }

                    return Results.Json(new { key });
                }
                catch (OperationCanceledException)
                {
                    lock (list)
                    {
                        call.Ended = Stopwatch.GetTimestamp();
                        call.Aborted = true;
                    }

                    return Results.Empty;
                }
            });
            await app.StartAsync(ct);
            endpoint.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return endpoint;
        }

        public int AbortedSince(long since) => Snapshot().Count(c => c.Aborted && c.Ended >= since);

        public List<string> KeysAbortedSince(long since) =>
            [.. calls.Where(kv => { lock (kv.Value) { return kv.Value.Any(c => c.Aborted && c.Ended >= since); } }).Select(kv => kv.Key)];

        public long? ArrivedSince(string key, long since)
        {
            var list = calls[key];
            lock (list)
            {
                return list.Where(c => c.Arrived >= since).Select(c => (long?)c.Arrived).FirstOrDefault();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        private List<Call> Snapshot()
        {
            var all = new List<Call>();
            foreach (var list in calls.Values)
            {
                lock (list)
                {
                    all.AddRange(list.Select(c => c with { }));
                }
            }

            return all;
        }

        private sealed record Call(long Arrived)
        {
            public long? Ended { get; set; }

            public bool Aborted { get; set; }
        }
    }
}
