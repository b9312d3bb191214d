using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Workflows.DevStack.Ssh;
using Workflows.Engine.Telemetry;
using Workflows.Server.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers OpenTelemetry: metrics always (the Prometheus endpoint), traces and OTLP export when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable names a collector.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The variable (or configuration key) that turns OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Adds metrics (engine, webhooks, ASP.NET Core, HttpClient, runtime), and traces exported by OTLP when an endpoint is configured.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (environment variables included).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddWorkflowTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section)
            .Validate(o => o.MetricsPort is null or (> 0 and <= 65535), "Workflows:Telemetry:MetricsPort must be a port number between 1 and 65535.")
            .Validate(o => System.Net.IPAddress.TryParse(o.MetricsAddress, out _), "Workflows:Telemetry:MetricsAddress must be an IP address (e.g. 127.0.0.1 or 0.0.0.0).")
            .ValidateOnStart();
        services.TryAddSingleton<ServerMetrics>();
        services.AddHostedService<MetricsPortServer>();

        // What to trace is configured whether or not a tracer provider is built, so a host (or a test) that
        // adds its own exporter with WithTracing gets the same sources and instrumentation.
        services.ConfigureOpenTelemetryTracerProvider(t => t
            .AddSource(EngineTelemetry.ActivitySourceName, SshTelemetry.ActivitySourceName, Workflows.Docker.Client.DockerTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/healthz"))
            .AddHttpClientInstrumentation());

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("workflows"))
            .WithMetrics(m => m
                .AddMeter(EngineTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                // No response cache (the exporter's default is 300 ms): a scrape right after a run shows that run.
                // Scrapers ask every few seconds at most, and the database gauges have their own 5 s cache.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]))
        {
            // Traces, metrics and logs to the collector; protocol, headers and per-signal endpoints from the standard OTEL_* variables.
            otel.UseOtlpExporter();
            services.Configure<OpenTelemetry.Logs.OpenTelemetryLoggerOptions>(o => o.IncludeScopes = true); // run and step ids as log attributes
        }

        return services;
    }

    /// <summary>Maps <c>/metrics</c> on the server's address, for the viewer role and above, unless a metrics port of its own is configured.</summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.MetricsPort is null)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Workflows.Server.Auth.Roles.CanRead);
        }

        return app;
    }
}
