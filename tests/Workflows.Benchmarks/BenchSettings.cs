namespace Workflows.Benchmarks;

/// <summary>The command line: where PostgreSQL is and how big the workloads are.</summary>
internal sealed record BenchSettings(string AdminConnectionString, bool Quick, bool KeepDatabases, int? WaitingRunsOverride = null, IReadOnlySet<string>? Only = null)
{
    /// <summary>The sections <c>--only</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Sections = ["hangfire", "drain", "served", "idle", "waiting", "api", "recovery", "notifications"];

    /// <summary>Whether a section runs: all of them unless <c>--only</c> names some.</summary>
    public bool Runs(string section) => Only is null || Only.Contains(section);

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
    /// Gets how many runs wait at once in the waiting-runs section: <c>--waiting-runs N</c>, else 200 (quick) or 1,000.
    /// The issue's goal is 100,000 (<c>--waiting-runs 100000</c>: starting them takes several minutes on a 2-core machine).
    /// </summary>
    public int WaitingRuns => WaitingRunsOverride ?? (Quick ? 200 : 1000);

    /// <summary>Gets how many runs hold an in-flight step on each of the two servers when one is killed (recovery section).</summary>
    public int RecoveryRunsPerServer => Quick ? 4 : 10;

    /// <summary>Gets how long the recovery section's long action runs (the slow HTTP endpoint holds each request this long).</summary>
    public TimeSpan RecoveryActionTime => TimeSpan.FromSeconds(45);

    /// <summary>Gets how long a host sits idle for the idle measurement.</summary>
    public TimeSpan IdleWindow => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets how long a workload may go without finishing a single job or run before the benchmark gives up: a hang, not a
    /// slow run. (A fixed limit on the whole workload failed the 2,000-job drain on a machine loaded by other builds.)
    /// </summary>
    public TimeSpan StallTimeout => TimeSpan.FromMinutes(2);

    public static BenchSettings Parse(string[] args)
    {
        string? postgres = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES");
        var quick = false;
        var keep = false;
        int? waiting = null;
        HashSet<string>? only = null;
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
                case "--waiting-runs" when i + 1 < args.Length:
                    waiting = int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w) && w is >= 1 and <= 1_000_000
                        ? w
                        : throw new ArgumentException($"--waiting-runs: '{args[i]}' is not a whole number from 1 to 1000000.");
                    break;
                case "--only" when i + 1 < args.Length:
                    only = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (only.FirstOrDefault(o => !Sections.Contains(o)) is { } bad)
                    {
                        throw new ArgumentException($"--only: unknown section '{bad}'; the sections are {string.Join(", ", Sections)} (comma-separated).");
                    }

                    break;
                case "--notifications-only":
                    only = ["notifications"];
                    break;
                case "--postgres" when i + 1 < args.Length:
                    postgres = args[++i];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: Workflows.Benchmarks [--quick] [--postgres <connection string>] [--keep-databases] [--waiting-runs N] [--only {string.Join(',', Sections)}]");
            }
        }

        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new ArgumentException("No PostgreSQL: pass --postgres <connection string> or set WORKFLOWS_TEST_POSTGRES (start one with `bash .ci/services/postgres.sh start`).");
        }

        return new BenchSettings(postgres, quick, keep, waiting, only);
    }
}
