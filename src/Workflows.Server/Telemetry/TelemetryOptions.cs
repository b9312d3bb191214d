namespace Workflows.Server.Telemetry;

/// <summary>Where metrics are served. Traces and OTLP export follow the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Workflows:Telemetry";

    /// <summary>
    /// Gets or sets a port of its own for the Prometheus endpoint <c>/metrics</c>, served there without
    /// authentication (for a scraper that has no token). Default is null: <c>/metrics</c> is served on the
    /// server's own address and needs a token or a session with at least the viewer role.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>
    /// Gets or sets the address the metrics port listens on. Default is <c>127.0.0.1</c> (loopback only: a
    /// scraper on the same host or in the same pod); <c>0.0.0.0</c> exposes unauthenticated metrics to the network.
    /// </summary>
    public string MetricsAddress { get; set; } = "127.0.0.1";
}
