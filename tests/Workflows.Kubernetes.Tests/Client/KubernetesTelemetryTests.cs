using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Workflows.Kubernetes.Actions;
using Workflows.Kubernetes.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Kubernetes.Tests.Client;

/// <summary>
/// Client spans of Kubernetes API calls against the sandbox API server (HTTPS, client certificates): KubernetesClient
/// sends through .NET's own HTTP handler, whose <c>System.Net.Http</c> spans the server's tracer collects.
/// </summary>
public sealed class KubernetesTelemetryTests : IClassFixture<KubernetesSandbox>, IDisposable
{
    // A constant, not Step.Name: a listener's ShouldListenTo also runs while Step itself is being created.
    private const string StepSource = "Workflows.Kubernetes.Tests.Step";

    private static readonly ActivitySource Step = new(StepSource);

    private readonly KubernetesSandbox sandbox;
    private readonly ConcurrentBag<Activity> spans = [];
    private readonly ActivityListener listener;

    public KubernetesTelemetryTests(KubernetesSandbox sandbox)
    {
        this.sandbox = sandbox;
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "System.Net.Http" || s.Name == StepSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
    }

    [Fact]
    public async Task EveryKubernetesApiCall_IsAClientSpan_UnderTheStepSpan_WithMethodUrlAndStatus_AndNoQueryValues()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var with = new JsonObject { ["manifest"] = KubernetesSandbox.MyApp(), ["namespace"] = ns, ["createNamespace"] = true, ["kubeconfigPath"] = sandbox.KubeconfigPath };
        ActivityTraceId trace;
        ActivitySpanId stepSpan;
        TestStepContext apply;
        using (var step = Step.StartActivity("attempt deploy")!)
        {
            (trace, stepSpan) = (step.TraceId, step.SpanId);
            apply = new TestStepContext(sandbox.Services, with, "deploy");
            await ActionDriver.RunAsync<ApplyAction>(apply);
        }

        var calls = spans.Where(s => s.TraceId == trace && s.Source.Name == "System.Net.Http").ToList();
        var audited = apply.Recorder.Calls.Where(c => c.Service == "kubernetes").ToList();
        Assert.NotEmpty(audited);
        Assert.Equal(audited.Count, calls.Count); // one span per call the audit records
        Assert.All(calls, c =>
        {
            Assert.Equal(ActivityKind.Client, c.Kind);
            Assert.Equal(stepSpan, c.ParentSpanId);
            Assert.Equal("127.0.0.1", c.GetTagItem("server.address"));
            Assert.NotNull(c.GetTagItem("http.response.status_code"));
        });
        var patch = Assert.Single(calls, c => (string?)c.GetTagItem("http.request.method") == "PATCH" && ((string?)c.GetTagItem("url.full"))!.Contains($"/namespaces/{ns}/deployments/myapp", StringComparison.Ordinal));
        Assert.DoesNotContain("fieldManager=workflows", (string?)patch.GetTagItem("url.full"), StringComparison.Ordinal);
        Assert.Contains((int?)patch.GetTagItem("http.response.status_code"), new int?[] { 200, 201 });
    }

    public void Dispose() => listener.Dispose();
}
