using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>A step's attempts: claim, result (success, wait, failure, retry) and recovery, for each step status.</summary>
public class StepAttemptsFacts
{
    private const string Two = """
        - id: a
          uses: test.record
        - id: b
          uses: test.record
          needs: [a]
        """;

    [Fact]
    public void Begin_DispatchesTheFirstStep_AndStartsNothingInline()
    {
        var h = MachineHarness.Create(Two);

        var tx = h.Begin();

        Assert.Equal(RunStatus.Running, h.Run.Status);
        Assert.Equal(StepStatus.Scheduled, h.Step("a").Status);
        Assert.Equal(StepStatus.Pending, h.Step("b").Status);
        var d = Assert.Single(tx.Dispatches);
        Assert.Equal(("a", 1L, TimeSpan.Zero), (d.StepId, d.Seq, d.Delay));
        Assert.Null(tx.InlineNext);
        Assert.Contains(tx.Audit, a => a.Kind == "run.started");
    }

    [Fact]
    public void Claim_StartsAttemptOne_ForTheLatestDispatch()
    {
        var h = MachineHarness.Begun(Two);

        Assert.True(h.Claim("a"));

        var a = h.Step("a");
        Assert.Equal((StepStatus.Running, 1), (a.Status, a.Attempt));
        Assert.Equal(h.Machine.Now + (long)MachineHarness.Options.LeaseDuration.TotalMilliseconds, a.LeaseUntil);
        var attempt = Assert.Single(h.Tx.NewAttempts);
        Assert.Equal((1, AttemptStatus.Running), (attempt.Number, attempt.Status));
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.attempt.started" && e.StepId == "a");
    }

    [Fact]
    public void Claim_Refused_ForAStaleDispatch()
    {
        var h = MachineHarness.Begun(Two);

        Assert.False(h.Claim("a", seq: 0));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
        Assert.Equal(StepStatus.Scheduled, h.Step("a").Status);
    }

    [Fact]
    public void Claim_Refused_ForADuplicateJobOfAClaimedDispatch()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.False(h.Claim("a"));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
        Assert.Single(h.Attempts);
    }

    [Fact]
    public void Claim_Refused_ForAStepStillPending()
    {
        var h = MachineHarness.Begun(Two);

        Assert.False(h.Claim("b"));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
    }

    [Fact]
    public void Claim_FailsTheStep_WhenItsDeadlinePassedBeforeTheNextAttempt()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
              timeout: 5s
              retry: { attempts: 3, initialDelay: 1s, jitter: 0 }
            """);
        Assert.True(h.Claim("a"));
        Assert.True(h.Apply("a", StepResult.Failed("x.flaky", "try again", retryable: true)));
        h.Time.Advance(TimeSpan.FromSeconds(10)); // the retry's job arrives late, after the deadline

        Assert.False(h.Claim("a"));

        Assert.Equal(StepStatus.Failed, h.Step("a").Status);
        Assert.Equal("timeout", h.Step("a").ErrorCode);
        Assert.Equal(RunStatus.Failed, h.Run.Status);
        Assert.Equal(1, h.Step("a").Attempt);
    }

    [Fact]
    public void Apply_Completed_SucceedsTheStep_AndDispatchesTheNext()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Completed(new { id = "x" })));

        Assert.Equal(StepStatus.Succeeded, h.Step("a").Status);
        Assert.Equal(AttemptStatus.Succeeded, h.Attempts.Single(a => a.StepId == "a").Status);
        Assert.Equal(StepStatus.Scheduled, h.Step("b").Status);
        Assert.Equal("b", Assert.Single(h.Tx.Dispatches).StepId);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.succeeded" && e.StepId == "a");
    }

    [Fact]
    public void Apply_Completed_StartsTheNextStepInline_WhenTheJobMayKeepGoing()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Completed(), allowInline: true));

        Assert.Same(h.Step("b"), h.Tx.InlineNext);
        Assert.Equal(StepStatus.Running, h.Step("b").Status);
        Assert.Empty(h.Tx.Dispatches);
    }

    [Fact]
    public void Apply_Completed_FinishesTheRun_WhenEveryStepIsDone()
    {
        var h = MachineHarness.Begun(Two, "concurrency: lab\n");
        h.Complete("a");

        h.Complete("b");

        Assert.Equal(RunStatus.Succeeded, h.Run.Status);
        Assert.NotNull(h.Run.FinishedAt);
        Assert.Equal("lab", h.Tx.ReleaseKey);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "run.finished");
    }

    [Fact]
    public void Apply_Pending_MakesTheStepWait_WithADelayedPollDispatch()
    {
        var h = MachineHarness.Begun("""
            - id: w
              uses: test.poll
            """);
        Assert.True(h.Claim("w"));

        Assert.True(h.Apply("w", StepResult.Pending("building")));

        var w = h.Step("w");
        Assert.Equal((StepStatus.Waiting, NextActions.Poll, 1), (w.Status, w.NextAction, w.PollCount));
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(h.Tx.Dispatches).Delay);
        Assert.Equal(AttemptStatus.Running, Assert.Single(h.Attempts).Status);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.waiting");
    }

    [Fact]
    public void Apply_Pending_OfAPoll_KeepsTheSameAttempt()
    {
        var h = MachineHarness.Begun("""
            - id: w
              uses: test.poll
            """);
        Assert.True(h.Claim("w"));
        Assert.True(h.Apply("w", StepResult.Pending("building")));
        h.Time.Advance(h.DelayOf("w"));

        Assert.True(h.Apply("w", StepResult.Pending("still building")));

        Assert.Equal((1, 2), (h.Step("w").Attempt, h.Step("w").PollCount));
        Assert.Empty(h.Tx.NewAttempts);
        Assert.DoesNotContain(h.Tx.Audit, e => e.Kind == "step.waiting"); // said once, when it began to wait
    }

    [Fact]
    public void Apply_Refused_ForAStaleDispatch()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.False(h.Apply("a", StepResult.Completed(), seq: h.Step("a").DispatchSeq - 1));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
        Assert.Equal(StepStatus.Running, h.Step("a").Status);
    }

    [Theory]
    [InlineData(StepStatus.Pending)]
    [InlineData(StepStatus.Scheduled)]
    [InlineData(StepStatus.Succeeded)]
    [InlineData(StepStatus.Failed)]
    [InlineData(StepStatus.Skipped)]
    [InlineData(StepStatus.Cancelled)]
    [InlineData(StepStatus.Compensated)]
    public void Apply_Refused_WhenTheStepIsNeitherRunningNorWaiting(StepStatus status)
    {
        var h = MachineHarness.Begun(Two);
        h.Step("a").Status = status;

        Assert.False(h.Apply("a", StepResult.Completed()));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
        Assert.Equal(status, h.Step("a").Status);
    }

    [Fact]
    public void Apply_Failed_SchedulesARetry_AfterTheDelayWithTheInjectedJitter()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
              retry: { attempts: 3, initialDelay: 10s, jitter: 0.5 }
            """);
        h.Jitter.Value = 0.75; // factor 1 + 0.5 × (2 × 0.75 − 1) = 1.25
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Failed("x.flaky", "try again", retryable: true)));

        var a = h.Step("a");
        Assert.Equal((StepStatus.Waiting, NextActions.Attempt), (a.Status, a.NextAction));
        Assert.Equal(TimeSpan.FromSeconds(12.5), Assert.Single(h.Tx.Dispatches).Delay);
        Assert.Equal(AttemptStatus.Failed, Assert.Single(h.Attempts).Status);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.retrying");
        Assert.Equal(RunStatus.Running, h.Run.Status);
    }

    [Fact]
    public void Apply_Failed_StartsTheRetryAsANewAttempt()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
              retry: { attempts: 3, initialDelay: 1s, jitter: 0 }
            """);
        Assert.True(h.Claim("a"));
        Assert.True(h.Apply("a", StepResult.Failed("x.flaky", "try again", retryable: true)));
        h.Time.Advance(h.DelayOf("a"));

        Assert.True(h.Claim("a"));

        Assert.Equal(2, h.Step("a").Attempt);
        Assert.Equal([AttemptStatus.Failed, AttemptStatus.Running], h.Attempts.Select(x => x.Status));
    }

    [Fact]
    public void Apply_Failed_FailsTheRun_WhenNotRetryable()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Failed("x.bad", "no", retryable: false)));

        Assert.Equal(StepStatus.Failed, h.Step("a").Status);
        Assert.Equal(StepStatus.Cancelled, h.Step("b").Status);
        Assert.Equal((RunStatus.Failed, "a"), (h.Run.Status, h.Run.FailedStep));
        Assert.Contains(h.Journal, e => e.Kind == "step.failed" && e.StepId == "a");
    }

    [Fact]
    public void Apply_Failed_DoesNotRetry_WhenTheRunIsStopping()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
              retry: { attempts: 3, initialDelay: 1s, jitter: 0 }
            """);
        Assert.True(h.Claim("a"));
        h.Cancel();

        Assert.True(h.Apply("a", StepResult.Failed("cancelled", "The run was cancelled while the step was running", retryable: false)));

        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.Empty(h.Tx.Dispatches);
    }

    [Fact]
    public void Recover_DispatchesAResume_OfARunningStepWhoseLeaseExpired()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));
        var seq = h.Step("a").DispatchSeq;
        h.Time.Advance(MachineHarness.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        Assert.True(h.Recover("a"));

        var a = h.Step("a");
        Assert.Equal((StepStatus.Scheduled, NextActions.Resume, seq + 1), (a.Status, a.NextAction, a.DispatchSeq));
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.recovered");
        Assert.True(h.Claim("a"));
        Assert.Equal(1, h.Step("a").Attempt); // the same attempt, resumed
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.attempt.resumed");
        Assert.False(h.Apply("a", StepResult.Completed(), seq: seq)); // the lost worker's result, if it ever comes, is stale
    }

    [Fact]
    public void Recover_DoesNothing_WhileTheLeaseHolds()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.False(h.Recover("a"));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
    }

    [Fact]
    public void Recover_DispatchesAgain_AScheduledStepWhoseJobNeverRan()
    {
        var h = MachineHarness.Begun(Two);
        h.Time.Advance(MachineHarness.Options.DispatchGrace + TimeSpan.FromSeconds(1));

        Assert.True(h.Recover("a"));

        Assert.Equal(2, Assert.Single(h.Tx.Dispatches).Seq);
        Assert.False(h.Claim("a", seq: 1));
        Assert.True(h.Claim("a", seq: 2));
    }

    [Theory]
    [InlineData(StepStatus.Pending)]
    [InlineData(StepStatus.Succeeded)]
    [InlineData(StepStatus.Failed)]
    [InlineData(StepStatus.Skipped)]
    [InlineData(StepStatus.Cancelled)]
    [InlineData(StepStatus.Compensated)]
    public void Recover_DoesNothing_ForASettledStep(StepStatus status)
    {
        var h = MachineHarness.Begun(Two);
        h.Step("a").Status = status;
        h.Time.Advance(TimeSpan.FromDays(1));

        Assert.False(h.Recover("a"));

        Assert.True(MachineHarness.ChangedNothing(h.Tx));
    }

    [Fact]
    public void Recover_CancelsALostStep_OfAStoppingRun()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));
        h.Cancel();
        h.Time.Advance(MachineHarness.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        Assert.True(h.Recover("a"));

        Assert.Equal(StepStatus.Cancelled, h.Step("a").Status);
        Assert.Equal(AttemptStatus.Cancelled, Assert.Single(h.Attempts).Status);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.cancelled" && e.StepId == "a"); // found by the property test: it had none
        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
    }
}
