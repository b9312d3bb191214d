using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Server.Auth;

namespace Workflows.Server.Tests;

// Any public type of the server assembly names its entry point; "Program" is ambiguous with the sandbox's.
/// <summary>The real server in memory: SQLite (or PostgreSQL when WORKFLOWS_TEST_POSTGRES is set), the repo's workflows, tokens per role.</summary>
public class ServerFactory : WebApplicationFactory<Workflows.Server.Hosting.StartupBanner>
{
    public const string ViewerToken = "wft_test_viewer_0123456789abcdef";
    public const string OperatorToken = "wft_test_operator_0123456789abcdef";
    public const string AdminToken = "wft_test_admin_0123456789abcdef";
    public const string AdminPassword = "correct horse battery staple";

    private readonly string folder = Directory.CreateTempSubdirectory("wf-server-").FullName;

    public ServerFactory()
    {
        var wf = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(wf);
        File.WriteAllText(Path.Combine(wf, "hello.yaml"), """
            name: hello
            description: Says hello after a short wait
            inputs:
              who: { type: string, required: true, pattern: "[a-z]+" }
              count: { type: int, default: 1 }
              token: { type: secret }
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 200ms }
              - id: gate
                needs: [wait]
                if: ${{ inputs.count > 1 }}
                uses: core.approval
                with: { message: "Continue?" }
            """);
        File.WriteAllText(Path.Combine(wf, "broken.yaml"), "name: broken\nsteps:\n  - id: a\n    uses: core.nope\n");
        LogFile = Path.Combine(folder, "server.log");
    }

    public string LogFile { get; }

    public string? Database { get; private set; }

    /// <summary>Gets the definitions folder; the default holds the small test workflows written above.</summary>
    protected virtual string WorkflowsDirectory => Path.Combine(folder, "workflows");

    /// <summary>Gets the address of a real (Kestrel) server, or null for the in-memory test server.</summary>
    protected virtual Uri? ServerAddress => null;

    /// <summary>Gets whether the built-in OpenStack sandbox runs.</summary>
    protected virtual bool SandboxEnabled => false;

    /// <summary>Gets whether to use PostgreSQL (when WORKFLOWS_TEST_POSTGRES is set) rather than SQLite.</summary>
    protected virtual bool UsePostgres => true;

    public HttpClient ClientWith(string? token)
    {
        var c = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ServerAddress ?? ClientOptions.BaseAddress });
        if (token is not null)
        {
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return c;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        string? cs = null;
        if (UsePostgres && Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES") is { Length: > 0 } admin)
        {
            var name = $"wf_srv_{Guid.NewGuid():N}"[..22];
            using var c = new NpgsqlConnection(admin);
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            cmd.ExecuteNonQuery();
            cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            Database = cs;
        }

        builder.UseSetting("Workflows:DataDirectory", Path.Combine(folder, "data"));
        builder.UseSetting("Workflows:WorkflowsDirectory", WorkflowsDirectory);
        builder.UseSetting("Workflows:ConnectionString", cs);
        builder.UseSetting("Workflows:SchedulePollingInterval", "00:00:00.200");
        builder.UseSetting("Workflows:QueuePollInterval", cs is null ? "00:00:00.100" : "00:00:05");
        builder.UseSetting("Sandbox:Enabled", SandboxEnabled ? "true" : "false");
        builder.UseSetting("Sandbox:Options:ServerBuildDelay", "00:00:01");
        builder.UseSetting("Sandbox:Options:ClusterCreateDelay", "00:00:02");
        builder.UseSetting("Auth:BootstrapAdmin", "false");
        builder.UseSetting("Auth:Users:0:Name", "admin");
        builder.UseSetting("Auth:Users:0:PasswordHash", AccountStore.HashPassword(AdminPassword));
        builder.UseSetting("Auth:Users:0:Role", "admin");
        var roles = new[] { ("viewer", ViewerToken), ("operator", OperatorToken), ("admin", AdminToken) };
        for (var i = 0; i < roles.Length; i++)
        {
            builder.UseSetting($"Auth:ApiTokens:{i}:Name", roles[i].Item1);
            builder.UseSetting($"Auth:ApiTokens:{i}:Sha256", AccountStore.HashToken(roles[i].Item2));
            builder.UseSetting($"Auth:ApiTokens:{i}:Role", roles[i].Item1);
        }

        builder.ConfigureLogging(l => l.AddProvider(new FileLoggerProvider(LogFile)));
        ConfigureMore(builder);
    }

    /// <summary>Adds settings of a derived factory.</summary>
    protected virtual void ConfigureMore(IWebHostBuilder builder)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(folder, true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>Writes every log line to a file, so tests can check that secrets never reach the log.</summary>
    private sealed class FileLoggerProvider(string path) : ILoggerProvider
    {
        private readonly Lock gate = new();
        private bool disposed;

        public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

        public void Dispose()
        {
            lock (gate)
            {
                disposed = true;
            }
        }

        private void Write(string line)
        {
            lock (gate)
            {
                // Hangfire's background threads (the SQLite lock heartbeat) may still log after the host is disposed
                // and its folder deleted: those lines have nowhere to go, and must not crash the test host.
                if (disposed || !Directory.Exists(Path.GetDirectoryName(path)))
                {
                    return;
                }

                try
                {
                    File.AppendAllText(path, line + "\n");
                }
                catch (IOException)
                {
                    // The folder went away between the check and the write (the factory's Dispose): same as above.
                }
            }
        }

        private sealed class FileLogger(FileLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Write($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
