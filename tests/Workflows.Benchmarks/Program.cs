using System.Diagnostics;
using Workflows.Benchmarks;
using Workflows.Benchmarks.Bare;
using Workflows.Benchmarks.EngineRuns;
using Workflows.Benchmarks.Infrastructure;

// Engine throughput, latency and database cost next to bare Hangfire on the same PostgreSQL.
// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- [--quick] [--postgres <cs>] [--waiting-runs N] [--only served,waiting,recovery,…]
// (--waiting-runs 100000 is the scale goal: starting them takes several minutes; --only runs some sections.)
// Progress goes to stderr, the Markdown table to stdout.
var settings = BenchSettings.Parse(args);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var ct = cts.Token;
var total = Stopwatch.StartNew();
using var commands = new CommandCounter();
var results = new BenchResults();

if (settings.Runs("hangfire") || settings.Runs("drain"))
{
    var (pooled, held) = await Section("calibration: commits per SELECT", () => Calibration.CommitsPerSelectAsync(settings, ct));
    results.Notes.Add(FormattableString.Invariant($"Reading the commit counts: a pooled Npgsql open + `SELECT 1` + close costs {pooled:0.00} server transactions, the same SELECT on a connection held open {held:0.00}; the difference is Npgsql's connection reset (DISCARD ALL, pipelined with the next command: no extra round trip, but a transaction of its own)."));
}

if (settings.Runs("hangfire"))
{
    var bare = new BareHangfire(settings, commands);
    results.HangfireDrain = await Section("bare Hangfire: drain no-op jobs", () => bare.DrainAsync(ct));
    await Section("bare Hangfire: continuation chains", async () => { await bare.ChainsAsync(results, ct); return results.HangfireChainsLoaded; });
    results.HangfireIdle = await Section("bare Hangfire: idle", () => bare.IdleAsync(ct));
}

if (settings.Runs("served"))
{
    // Submitted to a server that runs them, same run, same PostgreSQL: bare jobs against runs started through the engine.
    results.HangfireServed = await Section("bare Hangfire: enqueue on a server with workers", () => new BareHangfire(settings, commands).ServedAsync(ct));
}

using var engine = new EngineBench(settings, commands);
if (settings.Runs("drain"))
{
    results.EngineOneStep = await Section("engine: drain 1-step runs", () => engine.DrainAsync("bench-1", settings.OneStepRuns, ct));
    results.EngineTenSteps = await Section("engine: drain 10-step runs", () => engine.DrainAsync("bench-10", settings.TenStepRuns, ct));
    using (Tracing.Everything())
    {
        results.EngineTenStepsTraced = await Section("engine: drain 10-step runs, every span recorded", () => engine.DrainAsync("bench-10", settings.TenStepRuns, ct));
    }

    results.TracingPerStep = Tracing.PerStep(settings.Quick ? 100_000 : 1_000_000);
    (results.EngineAloneStored, results.EngineAloneActions) = await Section("engine: 10-step runs one at a time", () => engine.AloneAsync(ct));
}

if (settings.Runs("served"))
{
    results.EngineOneStepServed = await Section("engine: 1-step runs started on a server with workers", () => engine.ServedAsync("bench-1", settings.OneStepRuns, inlineStart: true, ct));
    results.EngineOneStepServedQueued = await Section("engine: 1-step runs started on a server with workers, InlineStart off", () => engine.ServedAsync("bench-1", settings.OneStepRuns, inlineStart: false, ct));
    results.EngineTenStepsServed = await Section("engine: 10-step runs started on a server with workers", () => engine.ServedAsync("bench-10", settings.TenStepRuns, inlineStart: true, ct));
}

if (settings.Runs("idle") || settings.Runs("waiting"))
{
    results.EngineIdle = await Section("engine: idle", () => engine.IdleAsync(ct));
}

if (settings.Runs("waiting"))
{
    results.Waiting = await Section($"engine: {settings.WaitingRuns} runs waiting at once, then a restart", () => engine.WaitingAsync(ct));
}

if (settings.Runs("api"))
{
    results.ApiStart = await Section("server: start runs through the REST API", () => new ApiStart(settings).MeasureAsync(ct));
}

if (settings.Runs("recovery"))
{
    results.Recovery = await Section("servers: kill -9 one of two servers with in-flight steps", () => new KillRecovery(settings).MeasureAsync(ct));
}

if (settings.Runs("notifications"))
{
    results.Notifications = await Section("server: notification delivery", () => new NotificationDelivery(settings).MeasureAsync(ct));
}

Console.WriteLine(Report.Render(settings, results, total.Elapsed));

async Task<T> Section<T>(string name, Func<Task<T>> run)
{
    var watch = Stopwatch.StartNew();
    await Console.Error.WriteLineAsync($"[{total.Elapsed:mm\\:ss}] {name} …");
    var result = await run();
    await Console.Error.WriteLineAsync($"[{total.Elapsed:mm\\:ss}] {name}: {watch.Elapsed.TotalSeconds:0.0} s — {result}");
    return result;
}
