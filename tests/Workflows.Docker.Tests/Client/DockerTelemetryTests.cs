using System.Collections.Concurrent;
using System.Diagnostics;
using Workflows.Docker.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Containers;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Client;

/// <summary>Client spans of Docker API calls against the test dockerd: one per call, under the step's span.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerTelemetryTests : IAsyncLifetime, IDisposable
{
    // A constant, not Step.Name: a listener's ShouldListenTo also runs while Step itself is being created.
    private const string StepSource = "Workflows.Docker.Tests.Step";

    private static readonly ActivitySource Step = new(StepSource);

    private readonly DockerFixture docker;
    private readonly string app = DockerFixture.Unique("wf-trace");
    private readonly ConcurrentBag<Activity> spans = [];
    private readonly ActivityListener listener;

    public DockerTelemetryTests(DockerFixture docker)
    {
        this.docker = docker;
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DockerTelemetry.ActivitySourceName || s.Name == StepSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
    }

    [DockerFact]
    public async Task EveryDockerApiCall_IsAClientSpan_UnderTheStepSpan_WithMethodRouteAndStatus()
    {
        var driver = docker.Driver();
        string stepTrace;
        ActivitySpanId stepSpan;
        using (var step = Step.StartActivity("attempt run")!)
        {
            stepTrace = step.TraceId.ToHexString();
            stepSpan = step.SpanId;
            var result = (await driver.RunAsync("docker.container.run", Inputs())).Result;
            ActionDriver.Outputs<ContainerRunOutputs>(result);
        }

        var calls = spans.Where(s => s.Source.Name == DockerTelemetry.ActivitySourceName && s.TraceId.ToHexString() == stepTrace).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, c =>
        {
            Assert.Equal(ActivityKind.Client, c.Kind);
            Assert.NotNull(c.GetTagItem("http.request.method"));
            Assert.StartsWith("unix://", (string?)c.GetTagItem("url.full"), StringComparison.Ordinal);
            Assert.NotNull(c.GetTagItem("http.response.status_code"));
            Assert.NotNull(c.GetTagItem("server.address"));
        });
        var create = Assert.Single(calls, c => c.DisplayName == "POST /containers/create");
        Assert.Equal(201, create.GetTagItem("http.response.status_code"));
        Assert.Contains(calls, c => c.DisplayName == "POST /containers/{id}/start" && (int?)c.GetTagItem("http.response.status_code") == 204);

        // The reads the action makes without an audit entry (list, inspect) are spans too.
        Assert.Contains(calls, c => c.DisplayName == "GET /containers/json" && ((string?)c.GetTagItem("url.full"))!.Contains("filters=REDACTED", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.DisplayName == "GET /containers/{id}/json");

        // Each is a child of the step's span (the attempt and its polls ran under it here).
        Assert.All(calls, c => Assert.Equal(stepSpan, c.ParentSpanId));
    }

    [DockerFact]
    public async Task AFailedCall_IsAnErrorSpan_WithTheStatusTheEngineAnswered()
    {
        using var client = new global::Docker.DotNet.DockerClientConfiguration(new Uri(docker.Require().Host), DockerTelemetry.Traced(new global::Docker.DotNet.AnonymousCredentials(), new DockerEndpoint(new Uri(docker.Require().Host), null))).CreateClient();
        string trace;
        using (var step = Step.StartActivity("attempt inspect")!)
        {
            trace = step.TraceId.ToHexString();
            await Assert.ThrowsAsync<global::Docker.DotNet.DockerContainerNotFoundException>(() => client.Containers.InspectContainerAsync("wf-no-such-" + Guid.NewGuid().ToString("N")));
        }

        var call = Assert.Single(spans, s => s.Source.Name == DockerTelemetry.ActivitySourceName && s.TraceId.ToHexString() == trace);
        Assert.Equal("GET /containers/{id}/json", call.DisplayName);
        Assert.Equal(404, call.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("404", call.GetTagItem("error.type"));
    }

    [Theory]
    [InlineData("/v1.43/containers/3f2a9c/start", "/containers/{id}/start")]
    [InlineData("/containers/create", "/containers/create")]
    [InlineData("/containers/json", "/containers/json")]
    [InlineData("/services/abc/update", "/services/{id}/update")]
    [InlineData("/images/registry.example/org/app:1.2/json", "/images/{name}/json")]
    [InlineData("/images/create", "/images/create")]
    [InlineData("/_ping", "/_ping")]
    public void Route_LeavesOutTheVersionAndIds(string path, string route) => Assert.Equal(route, DockerTelemetry.Route(path));

    [Fact]
    public void FullUrl_RedactsQueryValues_AndNeverCarriesUserInformation()
    {
        var endpoint = new DockerEndpoint(new Uri("tcp://user:hunter2@127.0.0.1:2376"), null);

        var url = DockerTelemetry.FullUrl(endpoint, new Uri("http://127.0.0.1:2376/images/create?fromImage=app&tag=secret-tag"));

        Assert.Equal("http://127.0.0.1:2376/images/create?fromImage=REDACTED&tag=REDACTED", url);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (docker.Client is not null)
        {
            await docker.Driver().RunAsync("docker.container.remove", new ContainerRemoveInputs { Host = docker.Host, App = app });
        }
    }

    public void Dispose() => listener.Dispose();

    private ContainerRunInputs Inputs() => new()
    {
        Host = docker.Require().Host,
        App = app,
        Image = "wf-test/busybox:v1",
        Command = ["sh", "-c", "exec sleep 86400"],
        NetworkMode = "none",
    };
}
