using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Server.Apis;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Triggers;

/// <summary>The real server (Program of Workflows.Server; TriggerStore names its assembly because Program is ambiguous with the sandbox's) (engine on Hangfire, SQLite or PostgreSQL) in this process, with webhooks and schedules, over TestServer.</summary>
public sealed class TriggerHost : WebApplicationFactory<TriggerStore>
{
    public const string AdminToken = "wft_test-admin-token";
    public const string ViewerToken = "wft_test-viewer-token";

    private readonly Dictionary<string, string?> settings;

    private TriggerHost(string folder, Dictionary<string, string?> settings)
    {
        Folder = folder;
        this.settings = settings;
    }

    public string Folder { get; }

    /// <summary>Gets every log line the server wrote (all levels), to prove secrets stay out of logs.</summary>
    public CapturedLogs Logs { get; } = new();

    public string WorkflowsDirectory => Path.Combine(Folder, "workflows");

    public IRunQueries Queries => Services.GetRequiredService<IRunQueries>();

    public IRunCommands Commands => Services.GetRequiredService<IRunCommands>();

    public WorkflowCatalog Catalog => Services.GetRequiredService<WorkflowCatalog>();

    public ScheduleManager Schedules => Services.GetRequiredService<ScheduleManager>();

    /// <summary>Starts a server with these workflow files and configuration overrides.</summary>
    public static async Task<TriggerHost> StartAsync(string provider, IReadOnlyDictionary<string, string> workflows, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var folder = Directory.CreateTempSubdirectory("wf-triggers-").FullName;
        var wfDir = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(wfDir);
        foreach (var (name, yaml) in workflows)
        {
            await File.WriteAllTextAsync(Path.Combine(wfDir, name + ".yaml"), yaml);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Workflows:DataDirectory"] = Path.Combine(folder, "data"),
            ["Workflows:WorkflowsDirectory"] = wfDir,
            ["Workflows:ConnectionString"] = provider == "postgres" ? await CreatePostgresDatabaseAsync() : "",
            ["Workflows:WatchDefinitions"] = "false",
            ["Workflows:Workers"] = "4",
            ["Workflows:SchedulePollingInterval"] = "00:00:00.200",
            ["Workflows:QueuePollInterval"] = provider == "postgres" ? "00:00:02" : "00:00:00.100",
            ["Auth:BootstrapAdmin"] = "false",
            ["Auth:ApiTokens:0:Name"] = "test-admin",
            ["Auth:ApiTokens:0:Sha256"] = Sha256(AdminToken),
            ["Auth:ApiTokens:0:Role"] = "admin",
            ["Auth:ApiTokens:1:Name"] = "test-viewer",
            ["Auth:ApiTokens:1:Sha256"] = Sha256(ViewerToken),
            ["Auth:ApiTokens:1:Role"] = "viewer",
            ["Sandbox:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        var host = new TriggerHost(folder, settings);
        _ = host.Server; // starts the host
        return host;
    }

    /// <summary>A client that signs in with the admin (or another) API token.</summary>
    public HttpClient Api(string token = AdminToken)
    {
        var c = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    /// <summary>A client without credentials (webhook senders).</summary>
    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Waits until the run is terminal (runs here take milliseconds; the deadline only stops a hung test).</summary>
    public async Task<RunSummary> WaitForRunAsync(Guid id, Func<RunSummary, bool>? until = null)
    {
        until ??= r => r.Status.IsTerminal();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = (await Queries.GetAsync(id))!.Run;
            if (until(run))
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"run {id} is still {run.Status}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until a step reaches a status.</summary>
    public async Task WaitForStepAsync(Guid id, string stepId, StepStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Queries.GetAsync(id))!.Steps.FirstOrDefault(s => s.StepId == stepId)?.Status != status)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"step {stepId} of run {id} never became {status}");
            }

            await Task.Delay(50);
        }
    }

    public static string Sha256(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? throw new InvalidOperationException("not a JSON object");

    /// <summary>The providers to run each scenario on: SQLite always, PostgreSQL when WORKFLOWS_TEST_POSTGRES is set.</summary>
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string> { "sqlite" };
        if (Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES") is { Length: > 0 })
        {
            data.Add("postgres");
        }

        return data;
    }

    public static async Task<string> CreatePostgresDatabaseAsync()
    {
        var admin = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set: run the suite with `bash .ci/test.sh` (it starts PostgreSQL), or start .ci/services/postgres.sh yourself.");
        var name = $"wf_test_{Guid.NewGuid():N}"[..24];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in settings)
        {
            builder.UseSetting(k, v);
        }

        builder.ConfigureLogging(l =>
        {
            l.SetMinimumLevel(LogLevel.Warning);
            l.AddProvider(Logs);
            l.AddFilter<CapturedLogs>(null, LogLevel.Trace);
        });
        builder.ConfigureServices((ctx, services) =>
        {
            // Until Program.cs calls AddTriggers/MapWebhooksApi/MapSchedulesApi itself; both are idempotent.
            services.AddTriggers(ctx.Configuration);
            services.AddTransient<IStartupFilter, MapTriggersWhenMissing>();
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(Folder, true);
            }
            catch (IOException)
            {
                // SQLite may still hold a file for a moment; the temp folder is cleaned by the OS.
            }
        }
    }

    private sealed class MapTriggersWhenMissing(TriggerEndpoints marker) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (!marker.WebhooksMapped || !marker.SchedulesMapped)
            {
                var mapWebhooks = !marker.WebhooksMapped;
                var mapSchedules = !marker.SchedulesMapped;
                app.UseRouting();
                app.UseAuthentication();
                app.UseAuthorization();
                app.UseEndpoints(e =>
                {
                    if (mapWebhooks)
                    {
                        e.MapWebhooksApi();
                    }

                    if (mapSchedules)
                    {
                        e.MapSchedulesApi();
                    }
                });
            }

            next(app);
        };
    }
}

/// <summary>Collects formatted log messages (and exception texts) of every category.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
