using System.Net;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Workflows.Server.Telemetry;

/// <summary>
/// Serves <c>/metrics</c>, and nothing else, on <see cref="TelemetryOptions.MetricsPort"/> without authentication,
/// when it is set. A listener of its own, so the API's addresses and authentication are untouched by it.
/// </summary>
public sealed class MetricsPortServer(IOptions<TelemetryOptions> options, MeterProvider meters, ILogger<MetricsPortServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? app;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MetricsPort is not { } port)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Value.MetricsAddress), port));
        app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        await app.StartAsync(cancellationToken);
        logger.LogInformation("Metrics served without authentication on http://{Address}:{Port}/metrics", options.Value.MetricsAddress, port);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
