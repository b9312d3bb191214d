using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>
/// The PostgreSQL pools of an engine host: the engine's own and Hangfire's (<see cref="HangfireConnections"/>). A quiesce
/// must clear both: <c>NpgsqlConnection.ClearAllPools</c> reaches neither, and a pool whose idle connections were
/// terminated hands out dead connections (57P01) to a host that is still running.
/// </summary>
internal static class EnginePools
{
    public static NpgsqlDataSource[] Of(IServiceProvider services) =>
        services.GetRequiredService<EngineDatabase>().DataSource is { } engine
            ? [engine, services.GetRequiredService<HangfireConnections>().DataSource]
            : [];
}
