using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks;

/// <summary>
/// One drained workload: items (jobs or runs) created while no worker ran, then processed by a
/// server started afterwards. Counters are exact per phase (see <see cref="BenchDatabase.QuiesceAsync"/>).
/// </summary>
internal sealed record DrainResult(
    string Name,
    int Items,
    int CreatedUnits,
    int Units,
    TimeSpan CreateTime,
    TimeSpan Window,
    DbCounters CreateTx,
    DbCounters ProcessTx,
    CommandSnapshot CreateCommands,
    CommandSnapshot ProcessCommands)
{
    /// <summary>Gets the units (jobs or steps) processed per second, first start to last finish.</summary>
    public double UnitsPerSecond => Units / Window.TotalSeconds;

    /// <summary>Gets the commits per unit, creating (per unit created in the counted window) and processing.</summary>
    public double CommitsPerUnit => (CreateTx.Commits / (double)CreatedUnits) + (ProcessTx.Commits / (double)Units);

    /// <summary>Gets the commands (round trips) per unit, creating and processing.</summary>
    public double CommandsPerUnit => (CreateCommands.Total / (double)CreatedUnits) + (ProcessCommands.Total / (double)Units);

    /// <summary>Gets the Hangfire jobs created per unit (1 for bare Hangfire; fewer for the engine when steps run inline).</summary>
    public double JobsPerUnit => (CreateCommands.Count(JobInsert) / (double)CreatedUnits) + (ProcessCommands.Count(JobInsert) / (double)Units);

    private const string JobInsert = "INSERT INTO \"hangfire\".\"job\" ";

    /// <summary>Gets the gaps between consecutive steps as stored (engine only).</summary>
    public Latency? StoredGaps { get; init; }

    /// <summary>Gets the gaps from the end of one action (or job method) to the start of the next, measured in-process.</summary>
    public Latency? ActionGaps { get; init; }
}

/// <summary>A host that ran idle for a while: counters of the idle window only (host start and stop subtracted).</summary>
internal sealed record IdleResult(TimeSpan Window, DbCounters Tx, CommandSnapshot Commands)
{
    public double TransactionsPerSecond => Tx.Transactions / Window.TotalSeconds;

    public double CommandsPerSecond => Commands.Total / Window.TotalSeconds;
}

/// <summary>Everything the run measured.</summary>
internal sealed class BenchResults
{
    public DrainResult? HangfireDrain { get; set; }

    public Latency? HangfireChainsAlone { get; set; }

    public Latency? HangfireChainsLoaded { get; set; }

    public int HangfireChainsLoadedCount { get; set; }

    public TimeSpan HangfireChainsLoadedWindow { get; set; }

    public IdleResult? HangfireIdle { get; set; }

    public DrainResult? EngineOneStep { get; set; }

    public DrainResult? EngineTenSteps { get; set; }

    /// <summary>Gets or sets the 10-step drain again with an activity listener recording every engine span.</summary>
    public DrainResult? EngineTenStepsTraced { get; set; }

    /// <summary>Gets or sets the engine's span code per step in isolation, nanoseconds, off and on.</summary>
    public (double OffNs, double OnNs)? TracingPerStep { get; set; }

    public Latency? EngineAloneStored { get; set; }

    public Latency? EngineAloneActions { get; set; }

    public IdleResult? EngineIdle { get; set; }

    /// <summary>Gets or sets runs started through the REST API of the real server.</summary>
    public EngineRuns.ApiStartResult? ApiStart { get; set; }

    /// <summary>Gets or sets the waiting-runs section: cost while waiting, and recovery by a restarted host.</summary>
    public EngineRuns.WaitingResult? Waiting { get; set; }

    /// <summary>Gets or sets the kill -9 of one of two servers holding in-flight steps.</summary>
    public EngineRuns.KillRecoveryResult? Recovery { get; set; }

    /// <summary>Gets or sets the notification delivery delays (state change committed → the receiver got the POST).</summary>
    public EngineRuns.NotificationDeliveryResult? Notifications { get; set; }

    public List<string> Notes { get; } = [];
}
