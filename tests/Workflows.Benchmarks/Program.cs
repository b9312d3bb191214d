using System.Diagnostics;
using Workflows.Benchmarks;
using Workflows.Benchmarks.Bare;
using Workflows.Benchmarks.EngineRuns;
using Workflows.Benchmarks.Infrastructure;

// Engine throughput, latency and database cost next to bare Hangfire on the same PostgreSQL.
// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- [--quick] [--postgres <cs>]
// Progress goes to stderr, the Markdown table to stdout.
var settings = BenchSettings.Parse(args);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var ct = cts.Token;
var total = Stopwatch.StartNew();
using var commands = new CommandCounter();
var results = new BenchResults();
if (settings.NotificationsOnly)
{
    results.Notifications = await Section("server: notification delivery", () => new NotificationDelivery(settings).MeasureAsync(ct));
    Console.WriteLine(Report.RenderNotifications(results, total.Elapsed));
    return;
}

var (pooled, held) = await Section("calibration: commits per SELECT", () => Calibration.CommitsPerSelectAsync(settings, ct));
results.Notes.Add(FormattableString.Invariant($"Reading the commit counts: a pooled Npgsql open + `SELECT 1` + close costs {pooled:0.00} server transactions, the same SELECT on a connection held open {held:0.00}; the difference is Npgsql's connection reset (DISCARD ALL, pipelined with the next command: no extra round trip, but a transaction of its own)."));

var bare = new BareHangfire(settings, commands);
results.HangfireDrain = await Section("bare Hangfire: drain no-op jobs", () => bare.DrainAsync(ct));
await Section("bare Hangfire: continuation chains", async () => { await bare.ChainsAsync(results, ct); return results.HangfireChainsLoaded; });
results.HangfireIdle = await Section("bare Hangfire: idle", () => bare.IdleAsync(ct));

using var engine = new EngineBench(settings, commands);
results.EngineOneStep = await Section("engine: drain 1-step runs", () => engine.DrainAsync("bench-1", settings.OneStepRuns, ct));
results.EngineTenSteps = await Section("engine: drain 10-step runs", () => engine.DrainAsync("bench-10", settings.TenStepRuns, ct));
using (Tracing.Everything())
{
    results.EngineTenStepsTraced = await Section("engine: drain 10-step runs, every span recorded", () => engine.DrainAsync("bench-10", settings.TenStepRuns, ct));
}

results.TracingPerStep = Tracing.PerStep(settings.Quick ? 100_000 : 1_000_000);
(results.EngineAloneStored, results.EngineAloneActions) = await Section("engine: 10-step runs one at a time", () => engine.AloneAsync(ct));
results.EngineIdle = await Section("engine: idle", () => engine.IdleAsync(ct));
results.Waiting = await Section("engine: runs waiting at once, then a restart", () => engine.WaitingAsync(ct));
results.ApiStart = await Section("server: start runs through the REST API", () => new ApiStart(settings).MeasureAsync(ct));
results.Notifications = await Section("server: notification delivery", () => new NotificationDelivery(settings).MeasureAsync(ct));

Console.WriteLine(Report.Render(settings, results, total.Elapsed));

async Task<T> Section<T>(string name, Func<Task<T>> run)
{
    var watch = Stopwatch.StartNew();
    await Console.Error.WriteLineAsync($"[{total.Elapsed:mm\\:ss}] {name} …");
    var result = await run();
    await Console.Error.WriteLineAsync($"[{total.Elapsed:mm\\:ss}] {name}: {watch.Elapsed.TotalSeconds:0.0} s — {result}");
    return result;
}
