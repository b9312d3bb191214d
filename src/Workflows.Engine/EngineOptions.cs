namespace Workflows.Engine;

/// <summary>Settings of the workflow engine, bound from the <c>Workflows</c> configuration section.</summary>
public sealed class EngineOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Workflows";

    /// <summary>Gets or sets the PostgreSQL connection string. Default is null: an embedded SQLite database in <see cref="DataDirectory"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the folder for the SQLite files and the generated secret key. Default is <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Gets or sets the folder of workflow definitions (watched for changes). Default is <c>workflows</c>.</summary>
    public string WorkflowsDirectory { get; set; } = "workflows";

    /// <summary>Gets or sets whether definition files are watched and reloaded on change. Default is true.</summary>
    public bool WatchDefinitions { get; set; } = true;

    /// <summary>Gets or sets the number of Hangfire workers of this server. Default is 20 (steps mostly wait on I/O).</summary>
    public int Workers { get; set; } = 20;

    /// <summary>Gets or sets the Hangfire queue of step jobs. Default is <c>workflows</c>.</summary>
    public string Queue { get; set; } = "workflows";

    /// <summary>Gets or sets whether this process runs a Hangfire server (workers). Default is true.</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>
    /// Gets or sets whether a run started on this server runs its first step here at once when one of its
    /// <see cref="Workers"/> is free: the step is claimed in the start transaction and executed without a queue round
    /// trip (a crash leaves it Running on its lease, and the sweeper resumes it). Default is true; no effect without workers.
    /// </summary>
    public bool InlineStart { get; set; } = true;

    /// <summary>Gets or sets the base64 of the 32-byte key that encrypts secrets at rest. Default is null: read or create <c>secret.key</c> in <see cref="DataDirectory"/>. Servers sharing a database must share the key.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Gets or sets how long a claimed step stays owned without a heartbeat: a killed server's running steps are taken
    /// over by another server within this plus <see cref="SweepInterval"/>. A worker that cannot renew its lease for this
    /// less one <see cref="HeartbeatInterval"/> stops its action, so two servers never execute a step at once.
    /// Must be more than twice <see cref="HeartbeatInterval"/>. Default is 20 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets how often a long action renews its lease and checks for a cancel from another server (one statement per running action). Default is 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the shortest time between two looks for steps whose worker was lost. The sweeper looks when the
    /// earliest running lease ends, and at least once per <see cref="LeaseDuration"/> (one indexed statement, whatever the
    /// number of waiting runs); overdue dispatches are looked for every half <see cref="DispatchGrace"/>. Must be less than
    /// <see cref="LeaseDuration"/>. Default is 5 s.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how late a dispatched job or poll may be before the sweeper dispatches it again, on top of the current
    /// backlog (how long the oldest ready job has waited for a worker): work merely queued behind a backlog is not
    /// dispatched twice. Default is 2 min.
    /// </summary>
    public TimeSpan DispatchGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the Hangfire invisibility timeout (sliding: a server processing a job keeps it invisible with one
    /// statement per job every fifth of it): how soon a job fetched by a dead server (e.g. a poll under way) is handed to
    /// another, plus up to one <see cref="QueuePollInterval"/>. Default is 15 s.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how often Hangfire moves due delayed jobs (polls, retries) to the queue. Default is 1 s.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often an idle worker checks the queue when long polling is not available. Default is 15 s on PostgreSQL (one LISTEN per server wakes the workers when a job is queued), 1 s on SQLite.</summary>
    public TimeSpan? QueuePollInterval { get; set; }

    /// <summary>Gets or sets the longest single execution of an action; longer waits must use Pending. Default is 5 min.</summary>
    public TimeSpan MaxExecution { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how many ready steps one job may execute in a row without a queue round trip. Default is 50.</summary>
    public int InlineSteps { get; set; } = 50;

    /// <summary>Gets or sets how long one job may keep executing ready steps in a row. Default is 10 s.</summary>
    public TimeSpan InlineTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long log chunks of finished runs are kept (the audit is kept). Default is 30 days.</summary>
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets how long finished runs are kept whole (steps, attempts, audit, plans, notifications); null (the
    /// default) keeps them forever. Runs that still own live resources or undelivered notifications are kept.
    /// </summary>
    public TimeSpan? RunRetention { get; set; }

    /// <summary>Gets or sets how often buffered log lines of a running action are written. Default is 500 ms.</summary>
    public TimeSpan LogFlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets how long an <c>Idempotency-Key</c> of a run start is remembered: a repeat within it answers the first run. Default is 24 h.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how long planning one step may take (its read calls included) before the step's plan says it timed out. Default is 30 s.</summary>
    public TimeSpan PlanStepTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the PostgreSQL connection bounds of this server (ignored on SQLite).</summary>
    public PostgresPoolOptions Postgres { get; set; } = new();
}

/// <summary>
/// How many PostgreSQL connections one server may hold, independently of its worker count:
/// at most <see cref="MaxPoolSize"/> + <see cref="HangfireMaxPoolSize"/> + 1 (the queue wake-up listener).
/// A <c>Maximum Pool Size</c> in the connection string is replaced by these.
/// </summary>
public sealed class PostgresPoolOptions
{
    /// <summary>Gets or sets the largest number of connections of the engine's pool (runs, API, portal, triggers). Default is 12.</summary>
    public int MaxPoolSize { get; set; } = 12;

    /// <summary>Gets or sets the largest number of connections of Hangfire's pool (queue fetches, job state changes, schedulers). Default is 8.</summary>
    public int HangfireMaxPoolSize { get; set; } = 8;

    /// <summary>Gets or sets how long a request waits for a free pooled connection before it fails. Default is 30 s.</summary>
    public TimeSpan PoolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the most connections one server opens: both pools plus the wake-up listener.</summary>
    public int ConnectionsPerServer => MaxPoolSize + HangfireMaxPoolSize + 1;
}
