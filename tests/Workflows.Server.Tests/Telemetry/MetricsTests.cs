using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;

namespace Workflows.Server.Tests.Telemetry;

/// <summary><c>/metrics</c> in the Prometheus text format, protected like the API (issue 15, part 5).</summary>
public sealed partial class MetricsTests(MetricsTests.Factory server) : IClassFixture<MetricsTests.Factory>
{
    private const string Secret = "metrics-secret-77c1a0";

    [Fact]
    public async Task Metrics_AfterARun_HasItsCountersAndStepDurations_WithTheirLabels_AndNoSecret()
    {
        var op = server.ClientWith(ServerFactory.OperatorToken);
        var r = await op.PostAsJsonAsync("/api/workflows/metered/runs", new { inputs = new { token = Secret } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        await WaitAsync(op, r.Headers.Location!.ToString(), "Succeeded");

        var response = await server.ClientWith(ServerFactory.ViewerToken).GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Value(text, "workflows_runs_started_total", "workflow=\"metered\"", "trigger=\"api\"") >= 1, text);
        Assert.True(Value(text, "workflows_runs_finished_total", "workflow=\"metered\"", "status=\"succeeded\"") >= 1, text);
        Assert.True(Value(text, "workflows_step_executions_total", "action=\"core.delay\"", "kind=\"attempt\"") >= 1, text);
        Assert.True(Value(text, "workflows_step_duration_seconds_count", "action=\"core.delay\"", "outcome=\"succeeded\"") >= 1, text);
        Assert.Contains("workflows_step_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Matches(GaugeRegex("workflows_runs_waiting"), text);
        Assert.Matches(GaugeRegex("workflows_steps_ready"), text);
        Assert.Matches(GaugeRegex("workflows_steps_ready_oldest_age_seconds"), text);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal); // ASP.NET Core
        Assert.Contains("dotnet_gc_collections", text, StringComparison.Ordinal); // runtime
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterAWebhookDelivery_CountsItByHookAndResult()
    {
        var r = await server.ClientWith(null).PostAsync("/hooks/no-such-hook", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

        var text = await server.ClientWith(ServerFactory.ViewerToken).GetStringAsync("/metrics");

        Assert.True(Value(text, "workflows_webhook_deliveries_total", "hook=\"unknown\"", "result=\"not-found\"") >= 1, text);
    }

    [Fact]
    public async Task Metrics_WithoutAToken_IsUnauthorized()
    {
        var r = await server.ClientWith(null).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAWrongToken_IsUnauthorized()
    {
        var r = await server.ClientWith("wft_not_a_token_0123456789abcdef").GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    /// <summary>Reads the value of the sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    internal static double Value(string text, string metric, params string[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            {
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    internal static async Task WaitAsync(HttpClient client, string location, string status)
    {
        JsonObject? last = null;
        for (var i = 0; i < 600; i++)
        {
            last = await client.GetFromJsonAsync<JsonObject>(location);
            if ((string?)last!["run"]!["status"] == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{location} did not reach {status}: {last}");
    }

    private static Regex GaugeRegex(string name) => new($"(?m)^{Regex.Escape(name)}(\\{{[^}}]*\\}})? [0-9.eE+-]+");

    public sealed class Factory : ServerFactory
    {
        private readonly string folder = Directory.CreateTempSubdirectory("wf-metrics-").FullName;

        public Factory() => File.WriteAllText(Path.Combine(folder, "metered.yaml"), """
            name: metered
            inputs:
              token: { type: secret, required: true }
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 1ms }
            """);

        protected override string WorkflowsDirectory => folder;

        protected override bool UsePostgres => false;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}

/// <summary><c>Workflows:Telemetry:MetricsPort</c>: <c>/metrics</c> on a loopback port of its own, without authentication.</summary>
public sealed class MetricsPortTests(MetricsPortTests.Factory server) : IClassFixture<MetricsPortTests.Factory>
{
    [Fact]
    public async Task Metrics_OnItsOwnPort_NeedsNoToken_AndIsGoneFromTheServersAddress()
    {
        _ = server.Server; // starts the host, and with it the metrics port
        using var scraper = new HttpClient();

        var text = await scraper.GetStringAsync($"http://127.0.0.1:{server.Port}/metrics");
        var elsewhere = await scraper.GetAsync($"http://127.0.0.1:{server.Port}/api/runs");
        var onTheServer = await server.ClientWith(ServerFactory.ViewerToken).GetAsync("/metrics");

        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onTheServer.StatusCode);
    }

    public sealed class Factory : ServerFactory
    {
        public Factory()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        public int Port { get; }

        protected override bool UsePostgres => false;

        protected override void ConfigureMore(IWebHostBuilder builder) =>
            builder.UseSetting("Workflows:Telemetry:MetricsPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
