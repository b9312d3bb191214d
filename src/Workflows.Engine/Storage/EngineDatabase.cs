using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Workflows.Engine.Storage;

/// <summary>Which database the engine's tables live in.</summary>
public enum DatabaseKind
{
    /// <summary>An embedded SQLite file (single server).</summary>
    Sqlite,

    /// <summary>PostgreSQL (production; several servers may share it).</summary>
    Postgres,
}

/// <summary>
/// Opens connections and hides the few SQL differences between SQLite and PostgreSQL. Disposing it (the engine's container
/// does, after its hosted services stopped) closes the PostgreSQL pool's idle connections at once rather than after the
/// pool's idle lifetime (5 minutes), so a stopped engine no longer holds its share of the server's <c>max_connections</c>.
/// </summary>
public sealed class EngineDatabase : IDisposable, IAsyncDisposable
{
    private readonly ILogger<EngineDatabase> logger;

    /// <summary>The session-level advisory lock that serializes schema changes (ours and Hangfire's) across servers.</summary>
    private const long MigrationLock = 727172001;

    /// <summary>Creates the database access for a connection string.</summary>
    /// <param name="kind">The database.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="pool">PostgreSQL pool bounds; null keeps the connection string's own (tests, tools).</param>
    public EngineDatabase(DatabaseKind kind, string connectionString, ILogger<EngineDatabase> logger, PostgresPoolOptions? pool = null)
    {
        Kind = kind;
        this.logger = logger;
        if (kind == DatabaseKind.Sqlite)
        {
            var b = new SqliteConnectionStringBuilder(connectionString) { Pooling = true, DefaultTimeout = 30 };
            ConnectionString = b.ToString();
        }
        else
        {
            ConnectionString = connectionString;
            // The engine never changes session state, so the DISCARD ALL on every pooled open is a wasted
            // server transaction (about one commit per step, measured by the benchmark).
            var b = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
            if (pool is not null)
            {
                b.MaxPoolSize = pool.MaxPoolSize;
                b.Timeout = (int)Math.Ceiling(pool.PoolTimeout.TotalSeconds);
            }

            MaxPoolSize = b.MaxPoolSize;
            DataSource = NpgsqlDataSource.Create(b.ConnectionString);
        }
    }

    /// <summary>Gets the kind.</summary>
    public DatabaseKind Kind { get; }

    /// <summary>Gets the connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the largest number of connections of the PostgreSQL pool (0 for SQLite).</summary>
    public int MaxPoolSize { get; }

    /// <summary>Gets the PostgreSQL data source, or null for SQLite.</summary>
    public NpgsqlDataSource? DataSource { get; }

    /// <summary>Gets the row-lock suffix for SELECTs in a transaction (SQLite locks the whole database instead).</summary>
    public string ForUpdate => Kind == DatabaseKind.Postgres ? " FOR UPDATE" : "";

    /// <inheritdoc />
    public void Dispose() => DataSource?.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Opens a connection.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (DataSource is not null)
        {
            return await DataSource.OpenConnectionAsync(cancellationToken);
        }

        var c = new SqliteConnection(ConnectionString);
        await c.OpenAsync(cancellationToken);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return c;
    }

    /// <summary>Begins a transaction that serializes writers (SQLite: BEGIN IMMEDIATE; PostgreSQL: read committed with row locks).</summary>
    public async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken = default) =>
        connection is SqliteConnection s ? s.BeginTransaction(deferred: false) : await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Applies the schema migrations that are missing, under a lock so that several servers can start at once.</summary>
    public Task MigrateAsync(IEnumerable<Migration> migrations, string component, CancellationToken cancellationToken = default) =>
        UnderMigrationLockAsync(
            async c =>
            {
                await c.ExecuteAsync("CREATE TABLE IF NOT EXISTS wf_schema (component TEXT NOT NULL, version INTEGER NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (component, version))");
                var applied = (await c.QueryAsync<int>("SELECT version FROM wf_schema WHERE component = @component", new { component })).ToHashSet();
                foreach (var m in migrations.OrderBy(m => m.Version).Where(m => !applied.Contains(m.Version)))
                {
                    await using var tx = await BeginAsync(c, cancellationToken);
                    await c.ExecuteAsync(Kind == DatabaseKind.Postgres ? m.Postgres : m.Sqlite, transaction: tx);
                    await c.ExecuteAsync(
                        "INSERT INTO wf_schema (component, version, applied_at) VALUES (@component, @v, @at)",
                        new { component, v = m.Version, at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                        tx);
                    await tx.CommitAsync(cancellationToken);
                    logger.LogInformation("Applied {Component} schema migration {Version}: {Description}", component, m.Version, m.Description);
                }
            },
            cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> while this process holds the schema lock (a PostgreSQL advisory lock; SQLite
    /// serializes writers itself), so servers starting together on an empty database never race in DDL.
    /// </summary>
    /// <param name="work">The work, given the connection that holds the lock.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock.</param>
    public async Task UnderMigrationLockAsync(Func<DbConnection, Task> work, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken);
        if (Kind == DatabaseKind.Postgres)
        {
            await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = MigrationLock }, cancellationToken: cancellationToken));
        }

        try
        {
            await work(c);
        }
        finally
        {
            if (Kind == DatabaseKind.Postgres)
            {
                await c.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLock });
            }
        }
    }
}

/// <summary>One schema change, in both dialects.</summary>
/// <param name="Version">Its number, increasing.</param>
/// <param name="Description">What it does.</param>
/// <param name="Postgres">The PostgreSQL DDL.</param>
/// <param name="Sqlite">The SQLite DDL.</param>
public sealed record Migration(int Version, string Description, string Postgres, string Sqlite);
