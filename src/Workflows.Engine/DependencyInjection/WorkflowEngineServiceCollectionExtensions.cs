using Hangfire;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.Server;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.Engine.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the workflow engine: storage, definitions, execution on Hangfire, built-in actions.</summary>
public static class WorkflowEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine, bound to the <c>Workflows</c> section of <paramref name="configuration"/>.
    /// With no <c>Workflows:ConnectionString</c>, runs on embedded SQLite files in <c>Workflows:DataDirectory</c>.
    /// </summary>
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, IConfiguration configuration, Action<EngineOptions>? configure = null)
    {
        var builder = services.AddOptions<EngineOptions>().Bind(configuration.GetSection(EngineOptions.Section));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o => o.Workers is > 0 and <= 1000, "Workflows:Workers must be between 1 and 1000.")
            .Validate(o => o.LeaseDuration > o.HeartbeatInterval * 2, "Workflows:LeaseDuration must be more than twice Workflows:HeartbeatInterval.")
            .Validate(o => o.SweepInterval < o.LeaseDuration, "Workflows:SweepInterval must be less than Workflows:LeaseDuration (a killed server's steps are taken over within one lease plus one sweep interval).")
            .Validate(o => o.LogFlushInterval <= o.HeartbeatInterval, "Workflows:LogFlushInterval must not exceed Workflows:HeartbeatInterval (the lease is renewed on the log flush timer).")
            .Validate(o => o.InvisibilityTimeout >= TimeSpan.FromSeconds(1), "Workflows:InvisibilityTimeout must be at least 00:00:01.")
            .Validate(o => o.DispatchGrace > o.SchedulePollingInterval + (o.QueuePollInterval ?? TimeSpan.FromSeconds(o.ConnectionString is { Length: > 0 } ? 15 : 1)), "Workflows:DispatchGrace must be more than Workflows:SchedulePollingInterval plus Workflows:QueuePollInterval (15 s when unset), or the sweeper dispatches again jobs that are on their way.")
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero && o.LogFlushInterval > TimeSpan.Zero && o.SchedulePollingInterval > TimeSpan.Zero, "Workflows:HeartbeatInterval, SweepInterval, LogFlushInterval and SchedulePollingInterval must be positive durations (e.g. 00:00:05).")
            .Validate(o => o.MaxExecution > TimeSpan.Zero && o.InlineSteps >= 1, "Workflows:MaxExecution must be positive and Workflows:InlineSteps at least 1.")
            .Validate(o => o.IdempotencyKeyLifetime > TimeSpan.Zero, "Workflows:IdempotencyKeyLifetime must be a positive duration (e.g. 1.00:00:00).")
            .Validate(o => o.RunRetention is null || o.RunRetention >= TimeSpan.FromHours(1), "Workflows:RunRetention must be at least 01:00:00 (one hour), or unset to keep finished runs forever.")
            .Validate(o => o.SecretKey is null || IsKey(o.SecretKey), "Workflows:SecretKey must be the base64 of 32 bytes (e.g. `openssl rand -base64 32`).")
            .Validate(o => o.Postgres.MaxPoolSize is >= 2 and <= 1000, "Workflows:Postgres:MaxPoolSize must be between 2 and 1000.")
            .Validate(o => o.Postgres.HangfireMaxPoolSize is >= 2 and <= 1000, "Workflows:Postgres:HangfireMaxPoolSize must be between 2 and 1000.")
            .Validate(o => o.Postgres.PoolTimeout >= TimeSpan.FromSeconds(1), "Workflows:Postgres:PoolTimeout must be at least 00:00:01.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            var log = sp.GetRequiredService<ILogger<EngineDatabase>>();
            return o.ConnectionString is { Length: > 0 } cs
                ? new EngineDatabase(DatabaseKind.Postgres, cs, log, o.Postgres)
                : new EngineDatabase(DatabaseKind.Sqlite, $"Data Source={Path.Combine(EnsureDir(o.DataDirectory), "workflows.db")}", log);
        });
        services.TryAddSingleton(sp => new SecretCodec(LoadKey(sp.GetRequiredService<IOptions<EngineOptions>>().Value)));
        services.TryAddSingleton<Workflows.Abstractions.Secrets.ISecretProtector>(sp => new CodecSecretProtector(sp.GetRequiredService<SecretCodec>()));
        services.TryAddSingleton<RunStore>();
        services.TryAddSingleton<IJitter>(SharedJitter.Instance);
        services.TryAddSingleton(sp => new RunMachine(sp.GetRequiredService<IOptions<EngineOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SecretCodec>(), sp.GetServices<ActionDescriptor>(), sp.GetRequiredService<IJitter>()));
        services.TryAddSingleton<WorkflowCatalog>();
        services.TryAddSingleton<IWorkflowCatalog>(sp => sp.GetRequiredService<WorkflowCatalog>());
        services.TryAddSingleton<Workflows.Abstractions.Definitions.IWorkflowVersions, WorkflowVersions>();
        services.TryAddSingleton<RunSignals>();
        services.TryAddSingleton<IRunNotifications>(sp => sp.GetRequiredService<RunSignals>());
        services.AddMetrics();
        services.TryAddSingleton(sp => new EngineMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RunStore>()));
        services.TryAddSingleton<StepDispatcher>();
        services.TryAddSingleton<IStepContextAccessor, StepContextAccessor>();
        services.TryAddSingleton<RunCommands>();
        services.TryAddSingleton<IRunCommands>(sp => sp.GetRequiredService<RunCommands>());
        services.TryAddSingleton<IRunBulkCommands>(sp => sp.GetRequiredService<RunCommands>());
        services.TryAddSingleton<ResourceCleanup>();
        services.TryAddSingleton<Workflows.Abstractions.Resources.IResourceCleanup>(sp => sp.GetRequiredService<ResourceCleanup>());
        services.TryAddSingleton<ResourceCheck>();
        services.TryAddSingleton<Workflows.Abstractions.Resources.IResourceCheck>(sp => sp.GetRequiredService<ResourceCheck>());
        services.TryAddSingleton<RunQueries>();
        services.TryAddSingleton<ApprovalQueries>();
        services.TryAddSingleton<IApprovalQueries>(sp => sp.GetRequiredService<ApprovalQueries>());
        services.TryAddSingleton<WorkflowPlanner>();
        services.TryAddSingleton<IWorkflowPlanner>(sp => sp.GetRequiredService<WorkflowPlanner>());
        services.TryAddSingleton<IRunPlans, RunPlans>();
        services.TryAddSingleton<PlanDrift>();
        services.TryAddSingleton<IRunQueries>(sp => sp.GetRequiredService<RunQueries>());
        services.TryAddTransient<StepJob>();
        services.TryAddSingleton<StepExecutions>();
        services.TryAddSingleton<IQueueBacklog, HangfireQueueBacklog>();
        services.TryAddSingleton<Sweeper>();
        services.TryAddSingleton<QueueWakeUp>();
        services.AddHttpClient("core.http");

        services.AddWorkflowAction<HttpAction>("core.http", "One HTTP request with an expected status and JSON outputs");
        services.AddWorkflowAction<DelayAction>("core.delay", "Wait for a duration without holding a worker");
        services.AddWorkflowAction<ApprovalAction>(ApprovalAction.Name, "Wait for an operator to approve or reject, with an expiry");

        // Order matters: migrations and definitions are ready before Hangfire's server starts fetching jobs.
        services.AddHostedService<EngineStartup>();
        services.AddHostedService<HangfireLogAttachment>();
        AddEngineHangfire(services);

        if (configuration.GetValue<bool?>($"{EngineOptions.Section}:{nameof(EngineOptions.RunWorkers)}") == false)
        {
            services.AddHostedService(sp => sp.GetRequiredService<Sweeper>());
            return services;
        }

        services.AddHostedService<QueueWakeUpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<StepExecutions>());
        services.AddHostedService(CreateHangfireServer);
        services.AddHostedService(sp => sp.GetRequiredService<Sweeper>());
        return services;
    }

    /// <summary>
    /// Registers this engine's Hangfire: its storage, filters, activator, client and recurring job manager, all singletons
    /// of this container. Nothing reads or writes Hangfire's process-wide defaults (<c>JobStorage.Current</c>,
    /// <c>JobActivator.Current</c>, <c>GlobalJobFilters</c>), so several engines live in one process, each on its own
    /// database, without handing jobs to each other. Each is registered with TryAdd, so a test can swap one.
    /// </summary>
    private static void AddEngineHangfire(IServiceCollection services)
    {
        services.TryAddSingleton<IGlobalConfiguration, HangfireServicesMarker>();
        services.TryAddSingleton(CreateJobStorage);
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            return new HangfireConnections(new NpgsqlConnectionStringBuilder(o.ConnectionString)
            {
                MaxPoolSize = o.Postgres.HangfireMaxPoolSize,
                Timeout = (int)Math.Ceiling(o.Postgres.PoolTimeout.TotalSeconds),
            }.ConnectionString);
        });
        services.TryAddSingleton<JobActivator>(sp => new ScopedJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.TryAddSingleton<IJobFilterProvider>(_ => EngineJobFilters.Create());
        services.TryAddSingleton<ITimeZoneResolver, DefaultTimeZoneResolver>();
        services.TryAddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>()));
        services.TryAddSingleton<IRecurringJobManager>(sp => new RecurringJobManager(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>(), sp.GetRequiredService<ITimeZoneResolver>()));

        // The dashboard's page table (Hangfire.AspNetCore's MapHangfireDashboard resolves it): fixed pages, not engine state.
        services.TryAddSingleton(_ => DashboardRoutes.Routes);
    }

    private static JobStorage CreateJobStorage(IServiceProvider sp)
    {
        // Every Hangfire component of the engine takes the storage, so the (process-wide, identical) serializer settings
        // are in place before the first job is written or read.
        HangfireSerialization.EnsureConfigured();
        HangfireLogging.Install();
        var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
        if (o.ConnectionString is { Length: > 0 } cs)
        {
            return HangfirePostgres.CreateStorage(sp.GetRequiredService<HangfireConnections>(), HangfirePostgres.Options(o), sp.GetRequiredService<QueueWakeUp>(), o.Queue, "default");
        }

        return new SQLiteStorage(
            Path.Combine(EnsureDir(o.DataDirectory), "hangfire.db"),
            new SQLiteStorageOptions
            {
                QueuePollInterval = o.QueuePollInterval ?? TimeSpan.FromSeconds(1),
                InvisibilityTimeout = o.InvisibilityTimeout,
            });
    }

    /// <summary>This engine's Hangfire server: its storage, activator, filters and time zones, from this container.</summary>
    private static BackgroundJobServerHostedService CreateHangfireServer(IServiceProvider sp)
    {
        var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
        var options = new BackgroundJobServerOptions
        {
            WorkerCount = o.Workers,
            Queues = [o.Queue, "default"],
            SchedulePollingInterval = o.SchedulePollingInterval,
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}",
            Activator = sp.GetRequiredService<JobActivator>(),
            FilterProvider = sp.GetRequiredService<IJobFilterProvider>(),
            TimeZoneResolver = sp.GetRequiredService<ITimeZoneResolver>(),
        };

        // With the host's lifetime, the server starts fetching once the host has started (after EngineStartup migrated).
        return new BackgroundJobServerHostedService(sp.GetRequiredService<JobStorage>(), options, sp.GetServices<IBackgroundProcess>(), sp.GetService<IHostApplicationLifetime>());
    }

    /// <summary>The PostgreSQL schema of Hangfire's tables.</summary>
    private const string HangfireSchema = HangfirePostgres.Schema;

    private static bool IsKey(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var n) && n == 32;
    }

    private static string EnsureDir(string dir)
    {
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static byte[] LoadKey(EngineOptions o)
    {
        if (o.SecretKey is { Length: > 0 } k)
        {
            return Convert.FromBase64String(k);
        }

        var path = Path.Combine(EnsureDir(o.DataDirectory), "secret.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var key = SecretCodec.NewKey();
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }

    /// <summary>Installs Hangfire's schema on PostgreSQL under the engine's migration lock.</summary>
    internal static Task InstallHangfireSchemaAsync(EngineDatabase database, CancellationToken cancellationToken) =>
        database.Kind != DatabaseKind.Postgres
            ? Task.CompletedTask
            : database.UnderMigrationLockAsync(
                async _ =>
                {
                    // Its own connection, unpooled: the install scripts change search_path, and the engine's pool
                    // does not reset session state on reuse.
                    await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
                    await c.OpenAsync(cancellationToken);
                    PostgreSqlObjectsInstaller.Install(c, HangfireSchema);
                },
                cancellationToken);

    /// <summary>Applies migrations (the engine's and Hangfire's) and loads definitions at start.</summary>
    private sealed class EngineStartup(EngineDatabase database, WorkflowCatalog catalog, ILogger<EngineStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await database.MigrateAsync(EngineSchema.Migrations, "engine", cancellationToken);
            await InstallHangfireSchemaAsync(database, cancellationToken);
            await database.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component, cancellationToken);
            await catalog.StartAsync(cancellationToken);
            logger.LogInformation("Workflow engine ready on {Database}: {Count} workflow(s), {Errors} definition error(s)", database.Kind, catalog.List().Count, catalog.Errors.Count);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
