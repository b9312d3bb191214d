using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Workflows.Engine.Execution;

/// <summary>
/// Hangfire's PostgreSQL storage as the engine configures it: one place, used by the engine's registration and by the
/// benchmark's bare-Hangfire baseline, so the baseline measures the same queue the engine runs on.
/// </summary>
public static class HangfirePostgres
{
    /// <summary>The PostgreSQL schema of Hangfire's tables.</summary>
    public const string Schema = "hangfire";

    /// <summary>Gets the storage options the engine uses.</summary>
    /// <param name="o">The engine's options (invisibility timeout, queue poll interval).</param>
    /// <param name="prepareSchema">Whether Hangfire installs its own schema (the engine installs it under its migration lock instead).</param>
    public static PostgreSqlStorageOptions Options(EngineOptions o, bool prepareSchema = false) => new()
    {
        SchemaName = Schema,
        // The engine installs it in EngineStartup under its migration lock: two servers starting together on an empty
        // database raced in Hangfire's own installer (23505 on pg_namespace).
        PrepareSchemaIfNecessary = prepareSchema,
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = o.InvisibilityTimeout,
        // Never on. Its long polling holds one LISTEN connection per worker (QueueWakeUp listens once per server), and it
        // loses jobs: Dequeue starts a listener task per call and waits for it in a finally block after the job was
        // fetched; when that task faults (its connection terminated or its open failing under load), Dequeue throws
        // after the fetch, the fetched job is never handed to the worker nor disposed, and the sliding invisibility
        // heartbeat keeps its fetchedat fresh for as long as the process lives: the job stays Enqueued for good
        // (hangfire-postgres/Hangfire.PostgreSql#410; seen as "Enqueued: 3" in the benchmark's bare drain).
        EnableLongPolling = false,
        QueuePollInterval = o.QueuePollInterval ?? TimeSpan.FromSeconds(15),
        // A lock held by a killed server (e.g. the delayed-job scheduler's) blocks polls until it times out.
        DistributedLockTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>
    /// Creates Hangfire.PostgreSql's storage with <see cref="Options"/> and the engine's queue provider: the stock queue plus
    /// a NOTIFY on enqueue and a wake-up of this server's idle workers (<see cref="QueueWakeUp"/>) while dequeuing.
    /// The storage belongs to its caller (the engine registers it in its container; Hangfire's <c>JobStorage.Current</c> is
    /// not set).
    /// </summary>
    /// <param name="connectionString">The connection string of Hangfire's pool.</param>
    /// <param name="options">The storage options (<see cref="Options"/>).</param>
    /// <param name="wakeUp">This process's wake-up (a <see cref="QueueWakeUpListener"/> signals it).</param>
    /// <param name="queues">The queues the provider serves.</param>
    /// <returns>The storage.</returns>
    public static PostgreSqlStorage CreateStorage(string connectionString, PostgreSqlStorageOptions options, QueueWakeUp wakeUp, params string[] queues) =>
        CreateStorage(new NpgsqlConnectionFactory(connectionString, options), options, wakeUp, queues);

    /// <summary>Creates the storage over a connection factory (the engine's <see cref="HangfireConnections"/>).</summary>
    /// <param name="connections">Where Hangfire's connections come from.</param>
    /// <param name="options">The storage options (<see cref="Options"/>).</param>
    /// <param name="wakeUp">This process's wake-up (a <see cref="QueueWakeUpListener"/> signals it).</param>
    /// <param name="queues">The queues the provider serves.</param>
    /// <returns>The storage.</returns>
    public static PostgreSqlStorage CreateStorage(IConnectionFactory connections, PostgreSqlStorageOptions options, QueueWakeUp wakeUp, params string[] queues)
    {
        var storage = new PostgreSqlStorage(connections, options);
        storage.QueueProviders.Add(new WakeUpQueueProvider(new PostgreSqlJobQueueProvider(storage, options), wakeUp), queues);
        return storage;
    }
}

/// <summary>
/// Hangfire's PostgreSQL connections, from a data source the engine's container owns. Hangfire.PostgreSql's own factory
/// opens connections from Npgsql's process-wide pool, which nobody closes: a stopped engine kept up to
/// <see cref="PostgresPoolOptions.HangfireMaxPoolSize"/> idle connections for the pool's idle lifetime (5 minutes). Disposing
/// this (the container does, after the Hangfire server stopped) closes them at once.
/// </summary>
public sealed class HangfireConnections : IConnectionFactory, IDisposable
{
    private readonly NpgsqlDataSource dataSource;

    /// <summary>Creates the data source of Hangfire's pool.</summary>
    /// <param name="connectionString">The connection string of Hangfire's pool (its own maximum size and timeout).</param>
    public HangfireConnections(string connectionString) => dataSource = NpgsqlDataSource.Create(connectionString);

    /// <summary>Gets the data source (a tool that must see every connection closed, such as the benchmark, clears it).</summary>
    public NpgsqlDataSource DataSource => dataSource;

    /// <inheritdoc />
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();

    /// <inheritdoc />
    public void Dispose() => dataSource.Dispose();
}
