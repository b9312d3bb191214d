using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

public abstract class EngineFixture(string provider) : IAsyncLifetime
{
    public EngineHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EngineHost.StartAsync(provider, Scenarios.All);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class SqliteEngineFixture() : EngineFixture("sqlite");

public sealed class PostgresEngineFixture() : EngineFixture("postgres");

public sealed class SqliteEngineScenarioTests(SqliteEngineFixture f) : EngineScenarioTests(f.Host), IClassFixture<SqliteEngineFixture>;

public sealed class PostgresEngineScenarioTests(PostgresEngineFixture f) : EngineScenarioTests(f.Host), IClassFixture<PostgresEngineFixture>;

/// <summary>The engine's scenarios, run on both databases.</summary>
public abstract class EngineScenarioTests(EngineHost engine)
{
    [Fact]
    public async Task Run_FansOutAndJoins_WithOutputsFlowingThroughExpressions()
    {
        var run = await engine.StartRunAsync("dag");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var d = r.Steps.Single(s => s.StepId == "d");
        Assert.Equal("hello world-b+hello world-c", d.Outputs!["value"]!.GetValue<string>());
        Assert.Equal(StepStatus.Skipped, r.Steps.Single(s => s.StepId == "skipped").Status);
        var b = r.Steps.Single(s => s.StepId == "b");
        var c = r.Steps.Single(s => s.StepId == "c");
        Assert.True(d.StartedAt >= b.FinishedAt && d.StartedAt >= c.FinishedAt, "the join starts after both branches");
        Assert.All(r.Steps.Where(s => s.StepId != "skipped"), s => Assert.Single(s.Attempts));
    }

    [Fact]
    public async Task Run_PollsAPendingStepManyTimes_AndStreamsItsLog()
    {
        var run = await engine.StartRunAsync("wait");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var w = r.Steps.Single();
        Assert.Equal(8, w.Outputs!["polls"]!.GetValue<int>());
        var attempt = Assert.Single(w.Attempts);
        Assert.Equal(8, attempt.Polls);
        var logs = await engine.Queries.GetLogsAsync(run.Id);
        var text = string.Concat(logs.Chunks.Select(c => c.Text));
        Assert.Contains("poll 0/8", text, StringComparison.Ordinal);
        Assert.Contains("poll 8/8", text, StringComparison.Ordinal);
        var more = await engine.Queries.GetLogsAsync(run.Id, logs.Next);
        Assert.Empty(more.Chunks);
    }

    [Fact]
    public async Task Run_RetriesWithBackoff_ThenSucceeds_KeepingEveryAttempt()
    {
        var run = await engine.StartRunAsync("retry");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var step = r.Steps.Single();
        Assert.Equal([AttemptStatus.Failed, AttemptStatus.Failed, AttemptStatus.Succeeded], step.Attempts.Select(a => a.Status));
        Assert.Equal("test.failure", step.Attempts[0].ErrorCode);
        Assert.True(step.Attempts[1].StartedAt - step.Attempts[0].FinishedAt!.Value >= TimeSpan.FromMilliseconds(79), "backoff before attempt 2 (100 ms, jitter 20%)");
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.Equal(2, audit.Count(a => a.Kind == "step.retrying"));
    }

    [Fact]
    public async Task Run_CompensatesInReverseOrder_WhenAStepFailsWithANonRetryableError()
    {
        var run = await engine.StartRunAsync("compensate");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        Assert.Equal("s3", r.Run.FailedStep);
        var s3 = r.Steps.Single(s => s.StepId == "s3");
        Assert.Single(s3.Attempts); // non-retryable: no second attempt despite attempts: 5
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s1").Status);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s2").Status);
        var comps = r.Steps.Where(s => s.IsCompensation).ToList();
        Assert.Equal(["compensate:s2", "compensate:s1"], comps.Select(c => c.StepId));
        Assert.True(comps[1].StartedAt >= comps[0].FinishedAt, "s1 is undone after s2");
        Assert.Equal("one", comps[1].Outputs!["what"]!.GetValue<string>());
        var resources = await engine.Queries.GetResourcesAsync(new ResourceFilter { RunId = run.Id, IncludeDeleted = true });
        Assert.Equal(2, resources.Count);
        Assert.All(resources, x => Assert.NotNull(x.DeletedAt));
    }

    [Fact]
    public async Task Cancel_DuringAWait_StopsPollingAndCompensatesCompletedSteps()
    {
        var run = await engine.StartRunAsync("cancel");
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "long").Status == StepStatus.Waiting);
        await engine.Commands.CancelAsync(run.Id, "alice", "wrong host");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Cancelled, r.Run.Status);
        Assert.Contains("alice", r.Run.Error, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s1").Status);
        // The waiting step had started, so its partial effect is compensated too.
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "long").Status);
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.Contains(audit, a => a.Kind == "run.cancel.requested" && a.Actor == "alice");
        await Assert.ThrowsAsync<RunStateException>(() => engine.Commands.CancelAsync(run.Id, "alice"));
    }

    [Fact]
    public async Task Compensation_IsNotInterrupted_ByOtherCommitsOrACancelOfTheRun()
    {
        // The undo works until the test lets it finish, so both of these surely land while it runs (a 3 s undo was a
        // window a loaded machine could miss).
        var hold = Path.Combine(Path.GetTempPath(), $"wf-slowundo-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(hold, "");
        RunDetail r;
        try
        {
            var run = await engine.StartRunAsync("slowundo", new { hold });
            await engine.WaitAsync(run.Id, d => d.Steps.Any(s => s.StepId == "compensate:s1" && s.Status == StepStatus.Running));
            // What the sweeper does for a run it finds idle, and what an impatient operator does.
            engine.Services.GetRequiredService<Workflows.Engine.Execution.StepDispatcher>().Kick(run.Id.ToString());
            await engine.Commands.CancelAsync(run.Id, "impatient");
            File.Delete(hold);
            r = await engine.WaitFinishedAsync(run.Id);
        }
        finally
        {
            File.Delete(hold);
        }

        var undo = r.Steps.Single(s => s.StepId == "compensate:s1");
        Assert.Equal(StepStatus.Succeeded, undo.Status);
        Assert.Single(undo.Attempts);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s1").Status);
    }

    [Fact]
    public async Task Cancel_ReachesTheRunningActionsToken()
    {
        var run = await engine.StartRunAsync("cancel", new { sleepMs = 120_000 });
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "s2").Status == StepStatus.Running);
        await engine.Commands.CancelAsync(run.Id, "bob");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Cancelled, r.Run.Status);
        var s2 = r.Steps.Single(s => s.StepId == "s2");
        // Only a cancelled token ends the two-minute sleep with this error.
        Assert.Equal("cancelled", Assert.Single(s2.Attempts).ErrorCode);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s1").Status);
    }

    [Fact]
    public async Task Retry_FromTheFailedStep_WithAnEditedInput_KeepsEarlierAttempts()
    {
        var run = await engine.StartRunAsync("hold");
        var failed = await engine.WaitFinishedAsync(run.Id);
        Assert.Equal(RunStatus.Failed, failed.Run.Status);
        Assert.Equal(StepStatus.Succeeded, failed.Steps.Single(s => s.StepId == "s1").Status); // hold: nothing undone

        await engine.Commands.RetryAsync(run.Id, new RetryRequest("carol", new Dictionary<string, JsonNode?> { ["broken"] = false }));
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Single(r.Steps.Single(s => s.StepId == "s1").Attempts); // not run again
        var s2 = r.Steps.Single(s => s.StepId == "s2");
        Assert.Equal([AttemptStatus.Failed, AttemptStatus.Succeeded], s2.Attempts.Select(a => a.Status));
        Assert.Equal([1, 2], s2.Attempts.Select(a => a.Number));
        Assert.False(r.Inputs["broken"]!.GetValue<bool>());
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.Contains(audit, a => a.Kind == "run.retried" && a.Actor == "carol" && a.Message.Contains("broken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_RejectsRunsThatAreNotFinished_AndUnknownSteps()
    {
        var run = await engine.StartRunAsync("cancel");
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "long").Status == StepStatus.Waiting);
        await Assert.ThrowsAsync<RunStateException>(() => engine.Commands.RetryAsync(run.Id, new RetryRequest("x")));
        var e = await Assert.ThrowsAsync<InputValidationException>(() => engine.Commands.RetryAsync(run.Id, new RetryRequest("x", FromStep: "ghost")));
        Assert.Equal("fromStep", e.Errors.Single().Field);
        await engine.Commands.CancelAsync(run.Id, "x");
        await engine.WaitFinishedAsync(run.Id);
    }

    [Fact]
    public async Task Approval_Approved_ContinuesWithTheApprover()
    {
        var run = await engine.StartRunAsync("approval");
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "gate").Status == StepStatus.Waiting);
        await engine.Commands.DecideAsync(run.Id, "gate", new ApprovalDecision(true, "dave", "ship it"));
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Equal("dave", r.Steps.Single(s => s.StepId == "after").Outputs!["value"]!.GetValue<string>());
        await Assert.ThrowsAsync<RunStateException>(() => engine.Commands.DecideAsync(run.Id, "gate", new ApprovalDecision(true, "dave", null)));
    }

    [Fact]
    public async Task Approval_Rejected_FailsTheRunWithTheReason()
    {
        var run = await engine.StartRunAsync("approval");
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "gate").Status == StepStatus.Waiting);
        await engine.Commands.DecideAsync(run.Id, "gate", new ApprovalDecision(false, "erin", "not today"));
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        var gate = r.Steps.Single(s => s.StepId == "gate");
        Assert.Equal("approval.rejected", gate.ErrorCode);
        Assert.Contains("erin: not today", gate.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Cancelled, r.Steps.Single(s => s.StepId == "after").Status);
    }

    [Fact]
    public async Task ConcurrencyKey_QueuesTheSecondRun_UntilTheFirstFinishes()
    {
        var host = $"host-{Guid.NewGuid():N}";
        var first = await engine.StartRunAsync("keyed", new { host });
        var second = await engine.StartRunAsync("keyed", new { host });
        var other = await engine.StartRunAsync("keyed", new { host = host + "-other" });

        Assert.Equal(RunStatus.Queued, second.Status);
        Assert.Equal(first.Id, second.QueuedBehind);
        Assert.NotEqual(RunStatus.Queued, other.Status);

        var r1 = await engine.WaitFinishedAsync(first.Id);
        var r2 = await engine.WaitFinishedAsync(second.Id);
        Assert.Equal(RunStatus.Succeeded, r2.Run.Status);
        Assert.True(r2.Run.StartedAt >= r1.Run.FinishedAt, "the second run starts only after the first finished");
        var audit = await engine.Queries.GetAuditAsync(second.Id);
        Assert.Contains(audit, a => a.Kind == "run.queued" && a.Message.Contains(first.Id.ToString(), StringComparison.Ordinal));
        await engine.WaitFinishedAsync(other.Id);
    }

    [Fact]
    public async Task Secrets_AreEncryptedAtRest_AndNeverShownInLogsAuditOrApi()
    {
        const string password = "pa55-Correct-Horse-Battery";
        var run = await engine.StartRunAsync("secret", new { password });
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Equal("***", r.Inputs["password"]!.GetValue<string>());
        var logs = string.Concat((await engine.Queries.GetLogsAsync(run.Id)).Chunks.Select(c => c.Text));
        Assert.Contains("connecting with password ***", logs, StringComparison.Ordinal);
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.DoesNotContain(audit, a => a.Message.Contains(password, StringComparison.Ordinal) || (a.Data?.ToJsonString().Contains(password, StringComparison.Ordinal) ?? false));

        var store = engine.Services.GetRequiredService<RunStore>();
        var id = run.Id.ToString();
        await using var c = await store.Database.OpenAsync(default);
        var raw = string.Join("\n", await c.QueryAsync<string>(
            "SELECT inputs FROM wf_runs WHERE id = @id UNION ALL SELECT text FROM wf_logs WHERE run_id = @id UNION ALL SELECT message || COALESCE(data, '') FROM wf_audit WHERE run_id = @id UNION ALL SELECT COALESCE(outputs, '') FROM wf_steps WHERE run_id = @id UNION ALL SELECT COALESCE(outputs, '') || COALESCE(inputs, '') FROM wf_attempts WHERE run_id = @id",
            new { id }));
        Assert.DoesNotContain(password, raw, StringComparison.Ordinal);
        Assert.Contains("$secret", raw, StringComparison.Ordinal);

        // An action that echoes a secret in a plain output: the output is sealed like a secret, shown masked, and the
        // next step still gets the value (the engine reveals it only to bind that step's inputs).
        Assert.Equal("***", r.Steps.Single(s => s.StepId == "echo").Outputs!["value"]!.GetValue<string>());
        Assert.Equal("***", r.Steps.Single(s => s.StepId == "after").Outputs!["value"]!.GetValue<string>());
        var codec = engine.Services.GetRequiredService<Workflows.Engine.Secrets.SecretCodec>();
        var after = await c.QuerySingleAsync<string>("SELECT outputs FROM wf_steps WHERE run_id = @id AND step_id = 'after'", new { id });
        Assert.Equal($"token {password}", Workflows.Engine.Secrets.SecretCodec.Reveal(codec.Unprotect(after))!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Attempt_KeepsItsEvaluatedInputs_WithSecretsAndValuesDerivedFromThemMasked()
    {
        const string password = "Planted-Inputs-Secret-7f3a9c";
        var run = await engine.StartRunAsync("inputs", new { password });
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var inputs = Assert.Single(r.Steps.Single(s => s.StepId == "login").Attempts).Inputs;
        Assert.NotNull(inputs);
        Assert.Equal("10.0.0.7", inputs["failCode"]!.GetValue<string>()); // an earlier step's output
        Assert.Equal("***", inputs["password"]!.GetValue<string>()); // a secret input
        var value = inputs["value"]!;
        Assert.Equal("ssh://db1@10.0.0.7", value["address"]!.GetValue<string>());
        Assert.Equal(5432, value["port"]!.GetValue<int>());
        Assert.Equal("***", value["connection"]!.GetValue<string>()); // text built from a secret
        Assert.Equal("***", value["echoed"]!.GetValue<string>()); // a plain output that repeats a secret: sealed like one
        Assert.Equal("***", value["quoted"]!.GetValue<string>()); // text built from that sealed output: masked as a whole
        Assert.Equal("""["db1","***"]""", value["tags"]!.ToJsonString());
        Assert.Equal("""{"value":"10.0.0.7"}""", r.Steps.Single(s => s.StepId == "server").Attempts.Single().Inputs!.ToJsonString());
        Assert.DoesNotContain(password, string.Join("\n", r.Steps.SelectMany(s => s.Attempts).Select(a => a.Inputs?.ToJsonString())), StringComparison.Ordinal);

        var store = engine.Services.GetRequiredService<RunStore>();
        await using var c = await store.Database.OpenAsync(default);
        var raw = string.Join("\n", await c.QueryAsync<string>("SELECT COALESCE(inputs, '') FROM wf_attempts WHERE run_id = @id", new { id = run.Id.ToString() }));
        Assert.Contains("ssh://db1@10.0.0.7", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(password, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attempt_OfACompensation_KeepsItsEvaluatedInputs()
    {
        var run = await engine.StartRunAsync("compensate");
        var r = await engine.WaitFinishedAsync(run.Id);

        var undo = Assert.Single(r.Steps.Single(s => s.StepId == "compensate:s1").Attempts);
        Assert.Equal("""{"what":"one"}""", undo.Inputs!.ToJsonString());
        Assert.Equal("{}", r.Steps.Single(s => s.StepId == "compensate:s2").Attempts.Single().Inputs!.ToJsonString());
    }

    [Fact]
    public async Task Attempt_KeepsTheInputsItStartedWith_AcrossPollsAndAfterARetryWithEditedInputs()
    {
        var waited = await engine.WaitFinishedAsync((await engine.StartRunAsync("wait")).Id);
        var polled = Assert.Single(waited.Steps.Single().Attempts);
        Assert.Equal(8, polled.Polls);
        Assert.Equal("""{"polls":8,"intervalMs":50}""", polled.Inputs!.ToJsonString());

        var run = await engine.StartRunAsync("hold");
        await engine.WaitFinishedAsync(run.Id);
        await engine.Commands.RetryAsync(run.Id, new RetryRequest("carol", new Dictionary<string, JsonNode?> { ["broken"] = false }));
        var r = await engine.WaitFinishedAsync(run.Id);

        var s2 = r.Steps.Single(s => s.StepId == "s2");
        Assert.Equal(["""{"failHard":true}""", """{"failHard":false}"""], s2.Attempts.Select(a => a.Inputs!.ToJsonString()));
    }

    [Fact]
    public async Task Timeout_FailsAWaitingStep_AtItsDeadline()
    {
        var run = await engine.StartRunAsync("timeout");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        var slow = r.Steps.Single();
        Assert.Equal("timeout", slow.ErrorCode);
        Assert.True(slow.FinishedAt - slow.StartedAt >= TimeSpan.FromSeconds(1), "not before the deadline");
    }

    [Fact]
    public async Task Start_RejectsInvalidInputs_NamingTheField()
    {
        var e = await Assert.ThrowsAsync<InputValidationException>(() => engine.StartRunAsync("keyed", new { host = 42, extra = "x" }));
        Assert.Contains(e.Errors, x => x.Field == "inputs.extra");
        var missing = await Assert.ThrowsAsync<InputValidationException>(() => engine.StartRunAsync("keyed"));
        Assert.Equal("inputs.host", missing.Errors.Single().Field);
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => engine.StartRunAsync("no-such-workflow"));
    }

    [Fact]
    public async Task Run_DoesNotCompensateAStepThatCreatedNothing_AndLogsWhyItFailed()
    {
        var run = await engine.StartRunAsync("nothing");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        Assert.Equal("Step 's2' failed: step s2 fails on purpose", r.Run.Error);
        Assert.Equal(StepStatus.Failed, r.Steps.Single(s => s.StepId == "s2").Status);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "s1").Status);
        Assert.Equal(["compensate:s1"], r.Steps.Where(s => s.IsCompensation).Select(s => s.StepId));
        var logs = await engine.Queries.GetLogsAsync(run.Id);
        Assert.Contains(logs.Chunks, c => c.StepId == "s2" && c.Text.Contains("Step 's2' attempt 1/1 failed: [openstack.config] step s2 fails on purpose; not retried: not retryable", StringComparison.Ordinal));
        Assert.Contains(logs.Chunks, c => c.StepId == "s2" && c.Text.Contains("Compensation of 's2' skipped: nothing to undo", StringComparison.Ordinal));
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        var skipped = Assert.Single(audit, a => a.Kind == "step.compensation.skipped");
        Assert.Equal("s2", skipped.StepId);
        Assert.Contains("created nothing", skipped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CompensatesAStepThatRecordedAResourceBeforeItFailed()
    {
        var run = await engine.StartRunAsync("created");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        Assert.Equal(StepStatus.Compensated, r.Steps.Single(s => s.StepId == "server").Status);
        Assert.Equal(StepStatus.Succeeded, r.Steps.Single(s => s.StepId == "compensate:server").Status);
        var resource = Assert.Single(await engine.Queries.GetResourcesAsync(new ResourceFilter { RunId = run.Id, IncludeDeleted = true }));
        Assert.NotNull(resource.DeletedAt);
    }

    [Fact]
    public async Task Run_NamesWhatTheLedgerLists_WhenACompensationFails()
    {
        var run = await engine.StartRunAsync("undofails");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        Assert.Equal(
            $"Step 's2' failed: step s2 fails on purpose; compensation of 's1' failed: cannot undo s1: the test cloud is unreachable on purpose; the ledger lists 1 resource of this step still alive: test.thing {run.Id}:s1 (s1) on test",
            r.Run.Error);
        var logs = await engine.Queries.GetLogsAsync(run.Id);
        Assert.Contains(logs.Chunks, c => c.StepId == "compensate:s1" && c.Text.Contains("Step 'compensate:s1' attempt 1/3 failed: [test.undo.failed] cannot undo s1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_PollsOnTheStepsOwnSchedule_OrElseOnTheOneItsActionDeclared()
    {
        var run = await engine.StartRunAsync("polled");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.All(r.Steps, s => Assert.Equal(2, Assert.Single(s.Attempts).Polls));
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.Contains(audit, a => a.Kind == "step.waiting" && a.StepId == "own" && a.Message.EndsWith("(polling 50ms, ×3 up to 150ms)", StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Kind == "step.waiting" && a.StepId == "declared" && a.Message.EndsWith("(polling 100ms, ×2 up to 400ms)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Steps_ThatAreReadyAtOnce_RunInOneJob_EachCommittedBeforeTheNext()
    {
        var run = await engine.StartRunAsync("linear");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var steps = r.Steps.OrderBy(s => s.StartedAt).ToList();
        Assert.Equal(["s1", "s2", "s3", "s4", "s5"], steps.Select(s => s.StepId));
        for (var i = 1; i < steps.Count; i++)
        {
            Assert.True(steps[i].StartedAt >= steps[i - 1].FinishedAt);
        }

        Assert.All(steps, s => Assert.Equal(1, Effects.ExecutionsOf($"{run.Id}:{s.StepId}")));
    }
}
