using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Telemetry;

namespace Workflows.Server.Tests.Telemetry;

/// <summary>A run's spans, seen by the in-memory exporter: run → step attempt or poll → HTTP call to the sandbox OpenStack (issue 15, part 5).</summary>
public sealed class TracingTests(TelemetryFactory server) : IClassFixture<TelemetryFactory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task ARun_IsOneTrace_RunThenStepThenHttpCall_WithTheRunsAttributes_AndNoSecret()
    {
        var (runId, _) = await RunAsync();
        var trace = EngineTelemetry.TraceIdOf(runId);
        var spans = server.Spans.Snapshot().Where(a => a.TraceId == trace).ToList();

        // The run span: a root in the trace whose id is the run id.
        var run = Assert.Single(spans, a => a.Source.Name == EngineTelemetry.ActivitySourceName && a.DisplayName == "run traced");
        Assert.Equal(default, run.ParentSpanId);
        Assert.Equal(runId.Replace("-", "", StringComparison.Ordinal), trace.ToHexString());
        Assert.Equal(runId, run.GetTagItem(EngineTelemetry.RunIdTag));
        Assert.Equal("traced", run.GetTagItem(EngineTelemetry.WorkflowTag));

        // Every execution of a step is a child of the run span, with its attributes.
        var steps = spans.Where(a => a.Source.Name == EngineTelemetry.ActivitySourceName && a != run).ToList();
        Assert.All(steps, s => Assert.Equal(run.SpanId, s.ParentSpanId));
        var attempt = Assert.Single(steps, s => s.DisplayName == "attempt server");
        Assert.Equal(runId, attempt.GetTagItem(EngineTelemetry.RunIdTag));
        Assert.Equal("server", attempt.GetTagItem(EngineTelemetry.StepIdTag));
        Assert.Equal("traced", attempt.GetTagItem(EngineTelemetry.WorkflowTag));
        Assert.Equal(1, attempt.GetTagItem(EngineTelemetry.AttemptTag));
        Assert.Equal("nova.server.create", attempt.GetTagItem(EngineTelemetry.ActionTag));
        Assert.Equal("pending", attempt.GetTagItem(EngineTelemetry.OutcomeTag)); // the server is still building
        var polls = steps.Where(s => s.DisplayName == "poll server").ToList();
        Assert.NotEmpty(polls);
        Assert.Equal("succeeded", polls.OrderBy(p => p.StartTimeUtc).Last().GetTagItem(EngineTelemetry.OutcomeTag));
        Assert.Single(steps, s => s.DisplayName == "attempt pause" && (string?)s.GetTagItem(EngineTelemetry.ActionTag) == "core.delay");

        // The OpenStack calls are children of the attempt or poll that made them.
        var calls = spans.Where(a => a.Kind == ActivityKind.Client && a.Source.Name == "System.Net.Http").ToList();
        var boot = Assert.Single(calls, c => (string?)c.GetTagItem("http.request.method") == "POST" && UrlOf(c).EndsWith("/compute/v2.1/servers", StringComparison.Ordinal));
        Assert.Equal(attempt.SpanId, boot.ParentSpanId);
        Assert.Contains(calls, c => polls.Any(p => p.SpanId == c.ParentSpanId) && (string?)c.GetTagItem("http.request.method") == "GET");
        Assert.All(calls, c => Assert.Contains(steps, s => s.SpanId == c.ParentSpanId));

        // W3C trace context reached the sandbox: its server span for the boot request is the client span's child.
        Assert.Contains(spans, a => a.Kind == ActivityKind.Server && a.ParentSpanId == boot.SpanId);

        // The secret input went into the server's metadata, but into no span.
        Assert.All(spans, s => Assert.DoesNotContain(s.TagObjects, t => t.Value?.ToString()?.Contains(TelemetryFactory.SecretValue, StringComparison.Ordinal) == true));
        Assert.All(spans, s => Assert.DoesNotContain(TelemetryFactory.SecretValue, s.DisplayName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LogLinesDuringAStep_CarryTheRunAndStepIds_AndTheTraceId_InTheirScope()
    {
        var (runId, _) = await RunAsync();
        var trace = EngineTelemetry.TraceIdOf(runId).ToHexString();

        var lines = server.Logs.Lines.Where(l => l.Scope.TryGetValue("RunId", out var r) && r == runId).ToList();

        var started = Assert.Single(lines, l => l.Message.Contains("step server [nova.server.create] attempt 1", StringComparison.Ordinal));
        Assert.Equal("server", started.Scope["StepId"]);
        Assert.Equal("traced", started.Scope["Workflow"]);
        Assert.Equal("1", started.Scope["Attempt"]);
        Assert.Equal(trace, started.Scope["TraceId"]);
        Assert.Contains(lines, l => l.Scope["StepId"] == "server" && l.Scope["Poll"] != "0");
        Assert.DoesNotContain(server.Logs.Lines, l => l.Message.Contains(TelemetryFactory.SecretValue, StringComparison.Ordinal));
    }

    [Fact]
    public void TheRunsTraceId_IsTheRunIdsBytes_SoATraceIsFoundFromTheRunAlone()
    {
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        Assert.Equal("0f8fad5bd9cb469fa16570867728950e", EngineTelemetry.TraceIdOf(id.ToString()).ToHexString());
    }

    private static string UrlOf(Activity a) => (string?)a.GetTagItem("url.full") ?? "";

    private async Task<(string RunId, JsonObject Run)> RunAsync()
    {
        var name = $"tr-{Guid.NewGuid():N}"[..12];
        var r = await Operator.PostAsJsonAsync("/api/workflows/traced/runs", new { inputs = new { name, token = TelemetryFactory.SecretValue } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var location = r.Headers.Location!.ToString();
        for (var i = 0; i < 600; i++)
        {
            var run = (await Operator.GetFromJsonAsync<JsonObject>(location))!;
            var status = (string?)run["run"]!["status"];
            if (status is "Succeeded" or "Failed" or "Cancelled")
            {
                Assert.True(status == "Succeeded", $"the run ended {status}: {run}\n{await Operator.GetStringAsync(location + "/audit")}");
                return ((string)run["run"]!["id"]!, run);
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not finish");
    }
}
