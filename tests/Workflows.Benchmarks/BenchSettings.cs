namespace Workflows.Benchmarks;

/// <summary>The command line: where PostgreSQL is and how big the workloads are.</summary>
internal sealed record BenchSettings(string AdminConnectionString, bool Quick, bool KeepDatabases)
{
    /// <summary>Gets the Hangfire worker count of both the bare Hangfire server and the engine (as the issue asks).</summary>
    public int Workers => 8;

    /// <summary>Gets how many bare no-op jobs are drained.</summary>
    public int HangfireJobs => Quick ? 200 : 2000;

    /// <summary>Gets how many 10-job chains run one after the other (unloaded latency).</summary>
    public int SequentialChains => Quick ? 2 : 5;

    /// <summary>Gets how many 10-job chains run at once (loaded latency).</summary>
    public int ConcurrentChains => Quick ? 10 : 40;

    /// <summary>Gets how many 1-step runs are drained.</summary>
    public int OneStepRuns => Quick ? 100 : 1000;

    /// <summary>Gets how many 10-step runs are drained.</summary>
    public int TenStepRuns => Quick ? 30 : 200;

    /// <summary>Gets how many runs are started through the REST API (by <see cref="Workers"/> client threads).</summary>
    public int ApiRuns => Quick ? 200 : 2000;

    /// <summary>Gets how many 10-step runs run one after the other (unloaded latency).</summary>
    public int SequentialRuns => Quick ? 3 : 10;

    /// <summary>
    /// Gets how many runs wait at once in the waiting-runs section (the goal is 100,000; scaled down so that
    /// starting them fits a few minutes on a shared 2-core machine).
    /// </summary>
    public int WaitingRuns => Quick ? 200 : 1000;

    /// <summary>Gets how long a host sits idle for the idle measurement.</summary>
    public TimeSpan IdleWindow => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets how long a workload may go without finishing a single job or run before the benchmark gives up: a hang, not a
    /// slow run. (A fixed limit on the whole workload failed the 2,000-job drain on a machine loaded by other builds.)
    /// </summary>
    public TimeSpan StallTimeout => TimeSpan.FromMinutes(2);

    /// <summary>Gets whether only the notification delivery section runs (<c>--notifications-only</c>). Default is false.</summary>
    public bool NotificationsOnly { get; init; }

    public static BenchSettings Parse(string[] args)
    {
        string? postgres = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES");
        var quick = false;
        var keep = false;
        var notificationsOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--keep-databases":
                    keep = true;
                    break;
                case "--notifications-only":
                    notificationsOnly = true;
                    break;
                case "--postgres" when i + 1 < args.Length:
                    postgres = args[++i];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: Workflows.Benchmarks [--quick] [--postgres <connection string>] [--keep-databases] [--notifications-only]");
            }
        }

        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new ArgumentException("No PostgreSQL: pass --postgres <connection string> or set WORKFLOWS_TEST_POSTGRES (start one with `bash .ci/services/postgres.sh start`).");
        }

        return new BenchSettings(postgres, quick, keep) { NotificationsOnly = notificationsOnly };
    }
}
