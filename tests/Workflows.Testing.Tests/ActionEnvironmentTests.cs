using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Testing.Tests;

public sealed class ActionEnvironmentTests
{
    [Fact]
    public async Task Cancel_ReachesTheRunningActionThroughItsToken_AndTheStepEndsCancelled()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());
        var action = new CancellableAction();

        var running = env.RunAsync(action, env.Context(new { }));
        await action.Entered.Task;
        Assert.False(running.IsCompleted);
        env.Cancel();
        var run = await running;

        Assert.Equal("cancelled", run.Failure.ErrorCode);
        Assert.False(run.Failure.Retryable);
    }

    [Fact]
    public async Task Recorder_HoldsTheLogAndAuditWithTheSecretInputsRedacted()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());

        var run = await env.RunAsync<EchoSecretAction>(new EchoSecretInputs { User = "alice", Password = new Secret("hunter2-correct-horse") });

        Assert.IsType<CompletedResult>(run.Result);
        Assert.Equal(["logging in as alice with ***", "partial ***"], env.Recorder.Lines);
        var call = Assert.Single(env.Recorder.Calls);
        Assert.Equal("/login?password=***", call.Endpoint);
        Assert.Equal("bad password ***", call.Error);
        Assert.Equal(("login", "tried ***"), Assert.Single(env.Recorder.Events));
        Assert.DoesNotContain("hunter2", env.Recorder.Text + env.Recorder.AuditText, StringComparison.Ordinal);
    }

    [Fact]
    public void Context_HandsTheActionItsSecretsInPlainText_AsTheEngineDoes()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());

        var context = env.Context(new EchoSecretInputs { User = "alice", Password = new Secret("s3cret-value") });

        Assert.Equal("s3cret-value", context.GetInputs<EchoSecretInputs>().Password.Reveal());
    }

    [Fact]
    public void Context_DerivesTheIdempotencyKeyFromRunAndStep_AndSharesTheRunsClockTokenAndRecorder()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services()) { Workflow = "boot-vm" };

        var a = env.Context(new { }, "server");
        var b = env.Context(new { }, "address");

        Assert.Equal($"{env.RunId:N}:server", a.IdempotencyKey);
        Assert.Equal($"{env.RunId:N}:address", b.IdempotencyKey);
        Assert.Equal(env.RunId, b.RunId);
        Assert.Equal("boot-vm", a.WorkflowName);
        Assert.Same(env.Clock, a.Clock);
        Assert.Same(a.Log, b.Log);
        Assert.Equal(env.CancellationToken, a.CancellationToken);
        Assert.Equal(1, a.Attempt);
        Assert.Null(a.Deadline);
    }

    [Fact]
    public void ContextWithTimeout_SetsTheDeadlineOnTheEnvironmentsClock()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());

        var context = env.ContextWithTimeout(new { }, TimeSpan.FromMinutes(5));

        Assert.Equal(env.Clock.GetUtcNow() + TimeSpan.FromMinutes(5), context.Deadline);
    }

    [Fact]
    public async Task Recorder_KeepsTheLedgerAsTheEngineDoes_OneEntryPerResourceWithItsDeletion()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());
        var ledger = env.Context(new { }).Resources;

        await ledger.RecordAsync(new ResourceRecord("vm", "id-1", "web"));
        await ledger.RecordAsync(new ResourceRecord("vm", "id-1", "web-renamed"));
        env.FakeClock!.Advance(TimeSpan.FromMinutes(1));
        await ledger.MarkDeletedAsync("vm", "id-1");

        var entry = Assert.Single(await ledger.ListForRunAsync());
        Assert.Equal("web-renamed", entry.Name);
        Assert.Equal(env.RunId, entry.RunId);
        Assert.Equal(env.Clock.GetUtcNow(), entry.DeletedAt);
        Assert.Equal(ResourceDeletedReason.Deleted, entry.DeletedReason);
        Assert.Equal(2, env.Recorder.Recorded.Count);
        Assert.Equal(["vm:id-1"], env.Recorder.Deleted);
    }

    [Fact]
    public void PlanContext_NamesTheUnknownInputsAndRecordsIntoTheRunsAudit()
    {
        using var env = new ActionEnvironment(ActionDriverTests.Services());

        var plan = env.PlanContext(new { name = "web" }, new Dictionary<string, string> { ["serverId"] = "known after `server`" });
        plan.Audit.Record("read", "GET /servers");

        Assert.True(plan.IsKnown("name"));
        Assert.Equal("known after `server`", plan.WhenKnown("serverId"));
        Assert.Null(plan.IdempotencyKey);
        Assert.Equal(("read", "GET /servers"), Assert.Single(env.Recorder.Events));
    }

    [Fact]
    public void TestSecretProtector_RoundTripsAndRefusesAnAlteredText()
    {
        var protector = new TestSecretProtector();

        var sealedText = protector.Protect("data");
        var altered = Convert.ToBase64String([.. Convert.FromBase64String(sealedText).Select((b, i) => i == 14 ? (byte)(b ^ 1) : b)]);

        Assert.Equal("data", protector.Unprotect(sealedText));
        Assert.DoesNotContain("data", sealedText, StringComparison.Ordinal);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect(altered));
        Assert.Equal(1, protector.Sealed);
    }

    [Fact]
    public async Task RunAsync_ByName_Throws_WhenNoActionIsRegisteredUnderIt()
    {
        using var env = new ActionEnvironment(new ServiceCollection().BuildServiceProvider());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => env.RunAsync("no.such", new { }));

        Assert.Contains("'no.such'", e.Message, StringComparison.Ordinal);
    }
}
