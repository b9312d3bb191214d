using System.Collections.Concurrent;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Workflows.Server.Tests.Telemetry;

/// <summary>One OTLP/HTTP export the receiver got: the signal's path, its content type and its (decompressed) body.</summary>
public sealed record OtlpExport(string Path, string? ContentType, byte[] Body);

/// <summary>
/// An OTLP/HTTP receiver as a collector serves one (Kestrel on loopback): <c>POST /v1/traces</c>, <c>/v1/metrics</c>
/// and <c>/v1/logs</c> with <c>application/x-protobuf</c> bodies, answered with the empty export response. It keeps
/// every body as it arrived, so a test can decode it with the official messages and also search the raw bytes.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<OtlpExport> exports = new();

    private OtlpReceiver(WebApplication app, Uri baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Gets the receiver's address, e.g. <c>http://127.0.0.1:41234/</c>: the value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets every export received, in arrival order.</summary>
    public IReadOnlyList<OtlpExport> Exports => [.. exports];

    /// <summary>Gets every span exported, decoded.</summary>
    public IReadOnlyList<OpenTelemetry.Proto.Trace.V1.Span> Spans =>
        [.. Exports.Where(e => e.Path == "/v1/traces")
            .SelectMany(e => ExportTraceServiceRequest.Parser.ParseFrom(e.Body).ResourceSpans)
            .SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans)];

    /// <summary>Gets every metric exported, decoded (one entry per export and metric).</summary>
    public IReadOnlyList<OpenTelemetry.Proto.Metrics.V1.Metric> Metrics =>
        [.. Exports.Where(e => e.Path == "/v1/metrics")
            .SelectMany(e => ExportMetricsServiceRequest.Parser.ParseFrom(e.Body).ResourceMetrics)
            .SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)];

    /// <summary>Gets every log record exported, decoded.</summary>
    public IReadOnlyList<OpenTelemetry.Proto.Logs.V1.LogRecord> LogRecords =>
        [.. Exports.Where(e => e.Path == "/v1/logs")
            .SelectMany(e => ExportLogsServiceRequest.Parser.ParseFrom(e.Body).ResourceLogs)
            .SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords)];

    /// <summary>Gets the service names of the resources that exported spans.</summary>
    public IReadOnlyList<string> TraceServiceNames =>
        [.. Exports.Where(e => e.Path == "/v1/traces")
            .SelectMany(e => ExportTraceServiceRequest.Parser.ParseFrom(e.Body).ResourceSpans)
            .SelectMany(r => r.Resource.Attributes).Where(a => a.Key == "service.name").Select(a => a.Value.StringValue).Distinct()];

    /// <summary>Starts the receiver on a free loopback port.</summary>
    /// <returns>The started receiver.</returns>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        OtlpReceiver? self = null;
        app.MapPost("/v1/traces", (HttpContext h) => self!.ReceiveAsync(h, new ExportTraceServiceResponse()));
        app.MapPost("/v1/metrics", (HttpContext h) => self!.ReceiveAsync(h, new ExportMetricsServiceResponse()));
        app.MapPost("/v1/logs", (HttpContext h) => self!.ReceiveAsync(h, new ExportLogsServiceResponse()));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new OtlpReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext h, IMessage response)
    {
        using var buffer = new MemoryStream();
        var body = h.Request.Headers.ContentEncoding.ToString() == "gzip"
            ? new GZipStream(h.Request.Body, CompressionMode.Decompress)
            : h.Request.Body;
        await body.CopyToAsync(buffer);
        exports.Enqueue(new OtlpExport(h.Request.Path.Value ?? "", h.Request.ContentType, buffer.ToArray()));

        // The OTLP/HTTP answer to a full success: the signal's (empty) export response, in the request's encoding.
        h.Response.ContentType = "application/x-protobuf";
        await h.Response.Body.WriteAsync(response.ToByteArray());
    }
}
