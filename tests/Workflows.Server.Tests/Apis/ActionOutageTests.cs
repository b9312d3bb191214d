using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Server.Tests.Apis;

/// <summary>A database lost while an action writes to the ledger is infrastructure: the attempt is resumed, not failed.</summary>
public sealed class ActionOutageTests : IDisposable
{
    private readonly LoopbackProxy proxy;
    private readonly OutageServerFactory server;

    public ActionOutageTests()
    {
        var admin = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set: run the suite with `bash .ci/test.sh` (it starts PostgreSQL), or start .ci/services/postgres.sh yourself.");
        var target = new NpgsqlConnectionStringBuilder(admin);
        proxy = new LoopbackProxy(target.Host!, target.Port);
        server = new OutageServerFactory(proxy.Port);
        _ = server.Server;
    }

    [Fact]
    public async Task ALedgerWriteDuringAnOutage_DoesNotFailTheAttempt_AndTheRunSucceedsOnceTheDatabaseIsBack()
    {
        var started = await server.ClientWith(ServerFactory.OperatorToken).PostAsync("/api/workflows/ledger-outage/runs", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = Guid.Parse((string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["id"]!);

        await LedgerOutageAction.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        proxy.Down();
        LedgerOutageAction.Proceed.SetResult();
        var error = await LedgerOutageAction.LedgerFailed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(Workflows.Engine.Storage.DatabaseFailures.IsUnavailable(error), error.ToString());
        proxy.Up();

        var queries = server.Services.GetRequiredService<IRunQueries>();
        var deadline = DateTime.UtcNow.AddSeconds(90); // lease (3 s) + sweep (1 s) + Hangfire; only stops a hung test
        RunDetail detail;
        while (true)
        {
            detail = (await queries.GetAsync(runId))!;
            if (detail.Run.Status.IsTerminal() || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(RunStatus.Succeeded, detail.Run.Status);
        var step = detail.Steps.Single(s => s.StepId == "record");
        var attempt = Assert.Single(step.Attempts);
        Assert.Equal(AttemptStatus.Succeeded, attempt.Status);
        Assert.Null(attempt.ErrorCode);
        // Resumed after the outage: a second execution at least. Not exactly two — the attempt's 3 s lease can lapse on
        // a loaded machine while an execution runs, and the step is then executed again (at-least-once); the one
        // attempt above and the one resource below are what must not repeat.
        Assert.True(LedgerOutageAction.Executions >= 2, $"the action ran {LedgerOutageAction.Executions} time(s): it was never resumed after the outage");
        var resources = await queries.GetResourcesAsync(new ResourceFilter { RunId = runId, IncludeDeleted = true });
        Assert.Equal("test.thing", Assert.Single(resources).Kind);
    }

    public void Dispose()
    {
        server.Dispose();
        proxy.Dispose();
    }

    private sealed class OutageServerFactory(int port) : ServerFactory
    {
        private readonly string workflows = Directory.CreateTempSubdirectory("wf-outage-").FullName;

        protected override string WorkflowsDirectory
        {
            get
            {
                File.WriteAllText(Path.Combine(workflows, "ledger-outage.yaml"), """
                    name: ledger-outage
                    description: Records a resource; the database goes away while it does
                    steps:
                      - id: record
                        uses: test.ledger-outage
                        retry: { attempts: 1 }
                    """);
                return workflows;
            }
        }

        protected override void ConfigureMore(IWebHostBuilder builder)
        {
            // Npgsql's own connect timeout (15 s), not a shorter one: the proxy resets connections at once while it is
            // down, so the outage is seen without waiting, and a 3 s limit only failed opens on a loaded machine.
            var cs = new NpgsqlConnectionStringBuilder(Database) { Host = "127.0.0.1", Port = port, Timeout = 15 };
            builder.UseSetting("Workflows:ConnectionString", cs.ConnectionString);
            builder.UseSetting("Workflows:LeaseDuration", "00:00:03");
            builder.UseSetting("Workflows:HeartbeatInterval", "00:00:01");
            builder.UseSetting("Workflows:SweepInterval", "00:00:01");
            builder.UseSetting("Workflows:InvisibilityTimeout", "00:00:05");
            builder.ConfigureServices(s => s.AddWorkflowAction<LedgerOutageAction>("test.ledger-outage", "Records a resource, waiting for the test first"));
        }
    }
}

/// <summary>Waits for the test on its first execution, then records a resource (the test has taken the database away meanwhile).</summary>
public sealed class LedgerOutageAction : IStepAction
{
    private static int executions;

    public static TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TaskCompletionSource Proceed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TaskCompletionSource<Exception> LedgerFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static int Executions => Volatile.Read(ref executions);

    public async Task<StepResult> ExecuteAsync(StepContext context)
    {
        if (Interlocked.Increment(ref executions) == 1)
        {
            Entered.SetResult();
            await Proceed.Task;
        }

        try
        {
            await context.Resources.RecordAsync(new ResourceRecord("test.thing", $"thing-{context.IdempotencyKey}"), context.CancellationToken);
        }
        catch (Exception e)
        {
            LedgerFailed.TrySetResult(e);
            throw;
        }

        return StepResult.Completed();
    }
}
