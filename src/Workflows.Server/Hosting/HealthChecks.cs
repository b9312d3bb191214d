using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflows.Engine.Storage;

namespace Workflows.Server.Hosting;

/// <summary>Checks that the engine's database answers.</summary>
public sealed class DatabaseHealthCheck(RunStore store) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.GetRunStatusAsync("health-probe", cancellationToken);
            return HealthCheckResult.Healthy($"{store.Database.Kind} answers");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{store.Database.Kind} does not answer: {e.GetType().Name}");
        }
    }
}

/// <summary>Checks that Hangfire's storage answers and that a server of this process is alive.</summary>
public sealed class HangfireHealthCheck(JobStorage storage) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            return Task.FromResult(servers.Count > 0
                ? HealthCheckResult.Healthy($"{servers.Count} Hangfire server(s), {servers.Sum(s => s.WorkersCount)} workers")
                : HealthCheckResult.Degraded("No Hangfire server is running"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Hangfire storage does not answer: {e.GetType().Name}"));
        }
    }
}
