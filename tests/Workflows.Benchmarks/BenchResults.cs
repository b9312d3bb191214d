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

/// <summary>
/// Runs (or bare jobs) submitted from 8 threads to one host that also executes them: first submission → last finished,
/// and the commits and round trips of the whole phase (host start and stop and an 8-unit warm-up included).
/// </summary>
internal sealed record ServedResult(string Name, int Items, int UnitsPerItem, int CountedUnits, TimeSpan Window, DbCounters Tx, CommandSnapshot Commands)
{
    /// <summary>Gets the units (steps or jobs) finished per second in the window.</summary>
    public double UnitsPerSecond => Items * UnitsPerItem / Window.TotalSeconds;

    /// <summary>Gets the commits per unit over the whole phase.</summary>
    public double CommitsPerUnit => Tx.Commits / (double)CountedUnits;

    /// <summary>Gets the round trips per unit over the whole phase.</summary>
    public double CommandsPerUnit => Commands.Total / (double)CountedUnits;

    /// <summary>Gets the Hangfire jobs created per unit.</summary>
    public double JobsPerUnit => Commands.Count("INSERT INTO \"hangfire\".\"job\" ") / (double)CountedUnits;

    /// <summary>Gets our own state transactions per unit: each takes the run's row lock once (<c>SELECT … FROM wf_runs … FOR UPDATE</c>) or inserts a run.</summary>
    public double OwnTransactionsPerUnit => (Commands.Count("SELECT id, workflow, version, status") + Commands.Count("INSERT INTO wf_runs ")) / (double)CountedUnits;
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

    /// <summary>Gets or sets bare Hangfire jobs enqueued on a server that runs them.</summary>
    public ServedResult? HangfireServed { get; set; }

    /// <summary>Gets or sets 1-step runs started on a server with workers (first step on that server when a worker is free).</summary>
    public ServedResult? EngineOneStepServed { get; set; }

    /// <summary>Gets or sets the same with <c>InlineStart</c> off (every first step through the queue).</summary>
    public ServedResult? EngineOneStepServedQueued { get; set; }

    /// <summary>Gets or sets 10-step runs started on a server with workers.</summary>
    public ServedResult? EngineTenStepsServed { get; set; }

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
