using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>What the notification delivery measure found.</summary>
/// <param name="Alone">One run at a time: its run.succeeded committed → the receiver got the POST.</param>
/// <param name="Burst">Many runs started at once: the same delay for each of their notifications.</param>
/// <param name="BurstRuns">How many runs the burst started.</param>
/// <param name="Duplicates">POSTs whose delivery id the receiver had already seen (should be 0).</param>
internal sealed record NotificationDeliveryResult(Latency Alone, Latency Burst, int BurstRuns, int Duplicates)
{
    public override string ToString() => FormattableString.Invariant($"alone {Alone}; burst of {BurstRuns}: {Burst}; duplicates {Duplicates}");
}

/// <summary>
/// The real server (its own process, workers on, PostgreSQL) with a webhook channel pointing at a receiver on loopback
/// in this process, and a one-step workflow whose <c>notify:</c> sends run.succeeded there. The delay of a notification is
/// the payload's <c>occurredAt</c> (taken in the transaction that commits the run's end and writes the outbox row) →
/// the moment the receiver read the POST; both clocks are this machine's.
/// </summary>
internal sealed class NotificationDelivery(BenchSettings settings)
{
    private const string Workflow = "bench-notify";

    public async Task<NotificationDeliveryResult> MeasureAsync(CancellationToken ct)
    {
        var db = await BenchDatabase.CreateAsync(settings.AdminConnectionString, "ennotify", ct);
        var folder = Directory.CreateTempSubdirectory("wf-bench-notify-").FullName;
        ServerProcess? server = null;
        using var receiver = new Receiver();
        try
        {
            var workflows = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
            await File.WriteAllTextAsync(Path.Combine(workflows, Workflow + ".yaml"), $$"""
                name: {{Workflow}}
                notify:
                  run.succeeded: [bench-hook]
                steps:
                  - id: tick
                    uses: core.delay
                    with: { duration: 1ms }
                """, ct);
            server = await ServerProcess.StartAsync(
                "server",
                db.ConnectionString,
                folder,
                workflows,
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                new Dictionary<string, string>
                {
                    ["Workflows__Workers"] = settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Workflows__Notifications__Channels__bench-hook__Type"] = "webhook",
                    ["Workflows__Notifications__Channels__bench-hook__Url"] = receiver.Url,
                },
                settings.Workers,
                ct);

            // Warm-up (JIT, pools, the first delivery's HttpClient): outside both measures.
            for (var i = 0; i < 5; i++)
            {
                await server.StartRunAsync(Workflow, ct);
            }

            await receiver.WaitForAsync(5, settings.StallTimeout, ct);
            receiver.Reset();

            var alone = settings.Quick ? 10 : 50;
            for (var i = 0; i < alone; i++)
            {
                await server.StartRunAsync(Workflow, ct);
                await receiver.WaitForAsync(i + 1, settings.StallTimeout, ct);
            }

            var aloneLatency = Latency.Of(receiver.Delays);
            receiver.Reset();

            var burst = settings.Quick ? 100 : 500;
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(
                async () =>
                {
                    while (Interlocked.Increment(ref next) < burst)
                    {
                        await server.StartRunAsync(Workflow, ct);
                    }
                },
                ct)));
            await receiver.WaitForAsync(burst, settings.StallTimeout, ct);
            return new NotificationDeliveryResult(aloneLatency, Latency.Of(receiver.Delays), burst, receiver.Duplicates);
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

    /// <summary>A webhook receiver on loopback: answers 204 at once and notes each delivery's delay, once per delivery id.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener listener;
        private readonly ConcurrentDictionary<string, double> seen = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;
        private ConcurrentBag<double> delays = [];
        private int duplicates;

        public Receiver()
        {
            // HttpListener cannot bind port 0: a port probed free is bound, and probed again if another process took it
            // in between (the bind fails as a conflict).
            for (var attempt = 1; ; attempt++)
            {
                Url = $"http://127.0.0.1:{ServerProcess.FreePort()}/hook/";
                listener = new HttpListener();
                listener.Prefixes.Add(Url);
                try
                {
                    listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }

            loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public IReadOnlyCollection<double> Delays => delays;

        public int Duplicates => duplicates;

        public void Reset() => delays = [];

        public async Task WaitForAsync(int count, TimeSpan stall, CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var last = delays.Count;
            while (delays.Count < count)
            {
                if (delays.Count != last)
                {
                    (last, watch) = (delays.Count, Stopwatch.StartNew());
                }
                else if (watch.Elapsed > stall)
                {
                    throw new TimeoutException($"The receiver got {delays.Count} of {count} notifications; none for {stall.TotalSeconds:0} s.");
                }

                await Task.Delay(5, ct);
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            listener.Close();
            try
            {
                loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // The listener was closed under the pending GetContextAsync.
            }

            stop.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }

                _ = Task.Run(() => Handle(context));
            }
        }

        private void Handle(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = reader.ReadToEnd();
            var received = DateTimeOffset.UtcNow;
            context.Response.StatusCode = 204;
            context.Response.Close();
            using var json = JsonDocument.Parse(body);
            var id = json.RootElement.GetProperty("deliveryId").GetString()!;
            var occurred = json.RootElement.GetProperty("occurredAt").GetDateTimeOffset();
            if (!seen.TryAdd(id, 0))
            {
                Interlocked.Increment(ref duplicates);
                return;
            }

            delays.Add((received - occurred).TotalMilliseconds);
        }
    }
}
