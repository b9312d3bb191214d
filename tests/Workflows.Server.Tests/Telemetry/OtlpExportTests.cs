using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Trace;
using Workflows.Engine.Telemetry;
using OtlpSpan = OpenTelemetry.Proto.Trace.V1.Span;

namespace Workflows.Server.Tests.Telemetry;

/// <summary>
/// The server configured as a user would (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>)
/// exports a run's trace, the engine's metrics and its logs to a real OTLP/HTTP receiver; what arrives is decoded with
/// the official opentelemetry-proto messages (issue 15).
/// </summary>
public sealed class OtlpExportTests(OtlpExportTests.OtlpServer server) : IClassFixture<OtlpExportTests.OtlpServer>
{
    [Fact]
    public async Task ARunExportedByOtlp_IsOneTrace_RunThenStepsThenOpenStackCalls_WithTheRunsStartedMetric_AndNoSecretInAnyByte()
    {
        var runId = await RunAsync();
        Flush();

        Assert.All(server.Receiver.Exports, e => Assert.Equal("application/x-protobuf", e.ContentType));
        Assert.Contains("workflows", server.Receiver.TraceServiceNames);

        var trace = ByteString.CopyFrom(Convert.FromHexString(EngineTelemetry.TraceIdOf(runId).ToHexString()));
        var spans = server.Receiver.Spans.Where(s => s.TraceId == trace).ToList();

        // The run span: a root of the trace whose id is the run id's bytes.
        var run = Assert.Single(spans, s => s.Name == "run traced");
        Assert.True(run.ParentSpanId.IsEmpty);
        Assert.Equal(Guid.Parse(runId).ToString("N"), Convert.ToHexStringLower(run.TraceId.ToByteArray()));
        Assert.Equal(runId, Attribute(run, EngineTelemetry.RunIdTag)?.StringValue);
        Assert.Equal("traced", Attribute(run, EngineTelemetry.WorkflowTag)?.StringValue);

        // The step attempts and polls: children of the run span, with the run's, step's and attempt's attributes.
        var attempt = Assert.Single(spans, s => s.Name == "attempt server");
        Assert.Equal(run.SpanId, attempt.ParentSpanId);
        Assert.Equal(OtlpSpan.Types.SpanKind.Internal, attempt.Kind);
        Assert.Equal(runId, Attribute(attempt, EngineTelemetry.RunIdTag)?.StringValue);
        Assert.Equal("server", Attribute(attempt, EngineTelemetry.StepIdTag)?.StringValue);
        Assert.Equal("traced", Attribute(attempt, EngineTelemetry.WorkflowTag)?.StringValue);
        Assert.Equal(1L, Attribute(attempt, EngineTelemetry.AttemptTag)?.IntValue);
        Assert.Equal("nova.server.create", Attribute(attempt, EngineTelemetry.ActionTag)?.StringValue);
        var pause = Assert.Single(spans, s => s.Name == "attempt pause");
        Assert.Equal(run.SpanId, pause.ParentSpanId);
        Assert.Equal("core.delay", Attribute(pause, EngineTelemetry.ActionTag)?.StringValue);
        var polls = spans.Where(s => s.Name == "poll server").ToList();
        Assert.NotEmpty(polls);
        Assert.All(polls, p => Assert.Equal(run.SpanId, p.ParentSpanId));

        // The OpenStack calls: HTTP client spans under the attempt (the boot) and the polls (the status reads).
        var calls = spans.Where(s => s.Kind == OtlpSpan.Types.SpanKind.Client).ToList();
        var boot = Assert.Single(calls, c => Attribute(c, "http.request.method")?.StringValue == "POST"
            && (Attribute(c, "url.full")?.StringValue ?? "").EndsWith("/compute/v2.1/servers", StringComparison.Ordinal));
        Assert.Equal(attempt.SpanId, boot.ParentSpanId);
        Assert.Equal(202L, Attribute(boot, "http.response.status_code")?.IntValue);
        Assert.Contains(calls, c => polls.Any(p => p.SpanId == c.ParentSpanId) && Attribute(c, "http.request.method")?.StringValue == "GET");
        Assert.True(boot.StartTimeUnixNano >= attempt.StartTimeUnixNano && boot.EndTimeUnixNano <= attempt.EndTimeUnixNano, "the call lies within its attempt");

        // The runs-started counter, with the workflow's name and the trigger as attributes.
        var started = server.Receiver.Metrics.Where(m => m.Name == "workflows.runs.started").ToList();
        Assert.NotEmpty(started);
        Assert.All(started, m => Assert.True(m.Sum is { IsMonotonic: true }, "a counter is exported as a monotonic sum"));
        var point = Assert.Single(started[^1].Sum.DataPoints, p => p.Attributes.Any(a => a.Key == "workflow" && a.Value.StringValue == "traced"));
        Assert.Equal(1L, point.AsInt);
        Assert.Contains(point.Attributes, a => a.Key == "trigger" && a.Value.StringValue == "api");

        // The step's log lines carry the run's trace id and its ids (the logging scope) as attributes.
        var stepLogs = server.Receiver.LogRecords.Where(l => l.TraceId == trace && l.Attributes.Any(a => a.Key == "RunId" && a.Value.StringValue == runId)).ToList();
        Assert.Contains(stepLogs, l => l.Attributes.Any(a => a.Key == "StepId" && a.Value.StringValue == "server"));

        // The secret input went into the Nova server's metadata (the sandbox has it), but into no exported byte.
        var secret = Encoding.UTF8.GetBytes(TelemetryFactory.SecretValue);
        Assert.All(server.Receiver.Exports, e => Assert.True(e.Body.AsSpan().IndexOf(secret) < 0, $"the secret input was exported to {e.Path}"));
    }

    private static AnyValue? Attribute(OtlpSpan span, string key) => span.Attributes.FirstOrDefault(a => a.Key == key)?.Value;

    /// <summary>Makes the server export what it has now, rather than at its next interval (60 s for metrics).</summary>
    private void Flush()
    {
        Assert.True(server.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000), "the traces were not exported");
        // Not asserted: the provider also has the Prometheus reader, which only exports during a scrape and so reports
        // false here. The OTLP reader's export has completed when ForceFlush returns; the assertions below check it.
        server.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        Assert.True(server.Services.GetRequiredService<LoggerProvider>().ForceFlush(10_000), "the logs were not exported");
    }

    private async Task<string> RunAsync()
    {
        using var client = server.ClientWith(ServerFactory.OperatorToken);
        var name = $"otlp-{Guid.NewGuid():N}"[..12];
        var r = await client.PostAsJsonAsync("/api/workflows/traced/runs", new { inputs = new { name, token = TelemetryFactory.SecretValue } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();
        for (var i = 0; i < 600; i++)
        {
            var run = (await client.GetFromJsonAsync<JsonObject>(location))!;
            var status = (string?)run["run"]!["status"];
            if (status is "Succeeded" or "Failed" or "Cancelled")
            {
                Assert.True(status == "Succeeded", $"the run ended {status}: {run}");
                return (string)run["run"]!["id"]!;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not finish");
    }

    /// <summary>The telemetry test server (sandbox cloud, the <c>traced</c> workflow) with OTLP export to a receiver of its own.</summary>
    public sealed class OtlpServer : TelemetryFactory, IAsyncLifetime
    {
        /// <summary>Gets the OTLP receiver the server exports to.</summary>
        public OtlpReceiver Receiver { get; private set; } = null!;

        public async Task InitializeAsync() => Receiver = await OtlpReceiver.StartAsync();

        async Task IAsyncLifetime.DisposeAsync()
        {
            await DisposeAsync();
            await Receiver.DisposeAsync();
        }

        protected override void ConfigureMore(IWebHostBuilder builder)
        {
            base.ConfigureMore(builder);

            // The standard variables, as configuration: the exporter reads them from IConfiguration, which environment
            // variables feed in production; setting them on the test process would reach every other test's server.
            builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", Receiver.BaseUrl.ToString().TrimEnd('/'));
            builder.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        }
    }
}
