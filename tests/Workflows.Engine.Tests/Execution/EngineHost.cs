using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

/// <summary>A real engine (Hangfire + SQLite or PostgreSQL) in this process, with the test actions.</summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly IHost host;

    private EngineHost(IHost host, string folder, string? database)
    {
        this.host = host;
        Folder = folder;
        Database = database;
    }

    public string Folder { get; }

    public string? Database { get; }

    public IServiceProvider Services => host.Services;

    public IRunCommands Commands => Services.GetRequiredService<IRunCommands>();

    public IRunQueries Queries => Services.GetRequiredService<IRunQueries>();

    /// <summary>Creates a fresh PostgreSQL database on the test server and returns its connection string.</summary>
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

    public static async Task<EngineHost> StartAsync(string provider, IReadOnlyDictionary<string, string> workflows, Action<Dictionary<string, string?>>? configure = null)
    {
        var folder = Directory.CreateTempSubdirectory("wf-engine-").FullName;
        var wfDir = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(wfDir);
        foreach (var (name, yaml) in workflows)
        {
            await File.WriteAllTextAsync(Path.Combine(wfDir, name + ".yaml"), yaml);
        }

        string? cs = provider == "postgres" ? await CreatePostgresDatabaseAsync() : null;
        var settings = new Dictionary<string, string?>
        {
            ["Workflows:DataDirectory"] = Path.Combine(folder, "data"),
            ["Workflows:WorkflowsDirectory"] = wfDir,
            ["Workflows:ConnectionString"] = cs,
            ["Workflows:Workers"] = "8",
            ["Workflows:SchedulePollingInterval"] = "00:00:00.200",
            ["Workflows:QueuePollInterval"] = provider == "postgres" ? "00:00:05" : "00:00:00.100",
            ["Workflows:SweepInterval"] = "00:00:02",
            ["Workflows:HeartbeatInterval"] = "00:00:00.500",
            ["Workflows:LeaseDuration"] = "00:00:05",
            ["Workflows:LogFlushInterval"] = "00:00:00.200",
        };
        configure?.Invoke(settings);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        if (Environment.GetEnvironmentVariable("WF_TEST_LOG") is { Length: > 0 } logFile)
        {
            // Debugging aid: the engine's log at Information into a file.
            var writer = new StreamWriter(logFile, append: true) { AutoFlush = true };
            Console.SetOut(writer);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
        }
        builder.Services.AddWorkflowEngine(builder.Configuration);
        builder.Services.AddTestActions();
        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host, folder, cs);
    }

    public Task<RunSummary> StartRunAsync(string workflow, object? inputs = null, string actor = "tester") =>
        Commands.StartAsync(new StartRunRequest(
            workflow,
            inputs is null ? new Dictionary<string, JsonNode?>() : System.Text.Json.JsonSerializer.SerializeToNode(inputs)!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone()),
            new TriggerInfo(TriggerKind.Api, actor)));

    /// <summary>Waits until the run satisfies <paramref name="until"/>; fails with the run's state after 60 s (a hang, not a slow run).</summary>
    public async Task<RunDetail> WaitAsync(Guid runId, Func<RunDetail, bool> until, int seconds = 60)
    {
        var stop = DateTime.UtcNow.AddSeconds(seconds);
        RunDetail? last = null;
        while (DateTime.UtcNow < stop)
        {
            last = await Queries.GetAsync(runId);
            if (last is not null && until(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        var audit = await Queries.GetAuditAsync(runId);
        throw new Xunit.Sdk.XunitException($"Run {runId} did not reach the expected state; it is {last?.Run.Status} with steps {string.Join(", ", last?.Steps.Select(s => $"{s.StepId}={s.Status}") ?? [])}.\nAudit:\n{string.Join("\n", audit.Select(a => $"  {a.Kind}: {a.Message}"))}");
    }

    public Task<RunDetail> WaitFinishedAsync(Guid runId, int seconds = 60) => WaitAsync(runId, r => r.Run.Status.IsTerminal(), seconds);

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync(TimeSpan.FromSeconds(10));
        host.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>The scenario workflows used by the engine tests.</summary>
public static class Scenarios
{
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
    {
        ["dag"] = """
            name: dag
            inputs:
              name: { type: string, default: world }
            steps:
              - id: a
                uses: test.record
                with: { value: "hello ${{ inputs.name }}" }
              - id: b
                needs: [a]
                uses: test.record
                with: { value: "${{ steps.a.outputs.value }}-b" }
              - id: c
                needs: [a]
                uses: test.record
                with: { value: "${{ steps.a.outputs.value }}-c" }
              - id: d
                needs: [b, c]
                uses: test.record
                with: { value: "${{ steps.b.outputs.value }}+${{ steps.c.outputs.value }}" }
              - id: skipped
                needs: [a]
                if: ${{ inputs.name == 'nobody' }}
                uses: test.record
            """,
        ["wait"] = """
            name: wait
            steps:
              - id: w
                uses: test.wait
                with: { polls: 8, intervalMs: 50 }
            """,
        ["retry"] = """
            name: retry
            steps:
              - id: flaky
                uses: test.record
                with: { failTimes: 2, value: ok }
                retry: { attempts: 3, initialDelay: 100ms, maxDelay: 200ms }
            """,
        ["compensate"] = """
            name: compensate
            steps:
              - id: s1
                uses: test.record
                compensate: { uses: test.undo, with: { what: "${{ steps.s1.outputs.value }}" } }
                with: { value: one }
              - id: s2
                needs: [s1]
                uses: test.record
                with: { value: two }
                compensate: { uses: test.undo }
              - id: s3
                needs: [s2]
                uses: test.record
                with: { failHard: true, failCode: quota.exceeded }
                retry: { attempts: 5, initialDelay: 50ms, maxDelay: 100ms }
            """,
        ["cancel"] = """
            name: cancel
            inputs:
              sleepMs: { type: int, default: 0 }
            steps:
              - id: s1
                uses: test.record
                compensate: { uses: test.undo }
              - id: s2
                needs: [s1]
                uses: test.record
                with: { sleepMs: "${{ inputs.sleepMs }}" }
                if: ${{ inputs.sleepMs > 0 }}
              - id: long
                needs: [s1]
                if: ${{ inputs.sleepMs == 0 }}
                uses: test.wait
                with: { polls: 100000, intervalMs: 200 }
                compensate: { uses: test.undo }
            """,
        ["hold"] = """
            name: hold
            onFailure: hold
            inputs:
              broken: { type: bool, default: true }
            steps:
              - id: s1
                uses: test.record
              - id: s2
                needs: [s1]
                uses: test.record
                with: { failHard: "${{ inputs.broken }}" }
            """,
        ["approval"] = """
            name: approval
            steps:
              - id: gate
                uses: core.approval
                with: { message: Deploy to production?, expiresIn: 1h }
              - id: after
                needs: [gate]
                uses: test.record
                with: { value: "${{ steps.gate.outputs.by }}" }
            """,
        ["approval-policy"] = """
            name: approval-policy
            steps:
              - id: gate
                uses: core.approval
                with:
                  message: Deploy to production?
                  expiresIn: 1h
                  approvers: { groups: [platform-admins], users: [carol] }
                  required: 2
              - id: after
                needs: [gate]
                uses: test.record
                with: { value: "${{ steps.gate.outputs.by }}" }
            """,
        ["approval-secret"] = """
            name: approval-secret
            inputs:
              password: { type: secret, required: true }
            steps:
              - id: gate
                uses: core.approval
                with: { message: "Rotate to ${{ inputs.password }} now?", expiresIn: 1h }
            """,
        ["approval-expiry"] = """
            name: approval-expiry
            steps:
              - id: gate
                uses: core.approval
                with: { message: Proceed unless someone objects, expiresIn: 1s, onExpiry: approve }
              - id: after
                needs: [gate]
                uses: test.record
                with: { value: "${{ steps.gate.outputs.by }}" }
            """,
        ["keyed"] = """
            name: keyed
            inputs:
              host: { type: string, required: true }
            concurrency: ${{ inputs.host }}
            steps:
              - id: w
                uses: test.wait
                with: { polls: 5, intervalMs: 100 }
            """,
        ["secret"] = """
            name: secret
            inputs:
              password: { type: secret, required: true }
            steps:
              - id: login
                uses: test.record
                with: { password: "${{ inputs.password }}", value: "user" }
              - id: echo
                needs: [login]
                uses: test.record
                with: { value: "token ${{ inputs.password }}" }
              - id: after
                needs: [echo]
                uses: test.record
                with: { value: "${{ steps.echo.outputs.value }}" }
            """,
        ["timeout"] = """
            name: timeout
            steps:
              - id: slow
                uses: test.wait
                with: { polls: 100000, intervalMs: 100 }
                timeout: 1s
            """,
        ["slowundo"] = """
            name: slowundo
            inputs:
              hold: { type: string }
            steps:
              - id: s1
                uses: test.record
                compensate: { uses: test.undo, with: { holdWhile: "${{ inputs.hold }}" } }
              - id: s2
                needs: [s1]
                uses: test.record
                with: { failHard: true }
            """,
        ["nothing"] = """
            name: nothing
            steps:
              - id: s1
                uses: test.record
                compensate: { uses: test.undo }
              - id: s2
                needs: [s1]
                uses: test.record
                with: { failHard: true, failCode: openstack.config }
                compensate: { uses: test.undo }
            """,
        ["created"] = """
            name: created
            steps:
              - id: server
                uses: test.record
                with: { recordThenFail: true, failCode: nova.fault }
                compensate: { uses: test.undo }
            """,
        ["undofails"] = """
            name: undofails
            steps:
              - id: s1
                uses: test.record
                compensate: { uses: test.undo, with: { fail: true } }
              - id: s2
                needs: [s1]
                uses: test.record
                with: { failHard: true }
            """,
        ["polled"] = """
            name: polled
            steps:
              - id: own
                uses: test.poll
                with: { polls: 2 }
                poll: { initial: 50ms, factor: 3, max: 150ms }
              - id: declared
                uses: test.poll
                with: { polls: 2 }
            """,
        ["inputs"] = """
            name: inputs
            inputs:
              password: { type: secret, required: true }
              host: { type: string, default: db1 }
            steps:
              - id: server
                uses: test.record
                with: { value: 10.0.0.7 }
              - id: echo
                uses: test.record
                # test.record echoes its value as a plain output: a secret the action repeats in clear.
                with: { value: "${{ inputs.password }}" }
              - id: login
                needs: [server, echo]
                uses: test.record
                with:
                  password: "${{ inputs.password }}"
                  failCode: "${{ steps.server.outputs.value }}"
                  value:
                    address: "ssh://${{ inputs.host }}@${{ steps.server.outputs.value }}"
                    connection: "postgres://admin:${{ inputs.password }}@db"
                    echoed: "${{ steps.echo.outputs.value }}"
                    quoted: "the password is ${{ steps.echo.outputs.value }}"
                    port: 5432
                    tags: ["${{ inputs.host }}", "${{ inputs.password }}"]
            """,
        ["linear"] = """
            name: linear
            steps:
              - { id: s1, uses: test.record }
              - { id: s2, uses: test.record, needs: [s1] }
              - { id: s3, uses: test.record, needs: [s2] }
              - { id: s4, uses: test.record, needs: [s3] }
              - { id: s5, uses: test.record, needs: [s4] }
            """,
    };
}
