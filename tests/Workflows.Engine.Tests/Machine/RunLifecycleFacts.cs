using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>A run's lifecycle: advancing the DAG, cancel in each run status, retry, finishing.</summary>
public class RunLifecycleFacts
{
    private const string Fan = """
        - id: a
          uses: test.record
        - id: b
          uses: test.record
          needs: [a]
        - id: c
          uses: test.wait
          needs: [a]
        """;

    [Fact]
    public void Advance_DispatchesEveryStepWhoseNeedsAreDone()
    {
        var h = MachineHarness.Begun(Fan);

        h.Complete("a");

        Assert.Equal(["b", "c"], h.Tx.Dispatches.Select(d => d.StepId));
        Assert.All(h.Tx.Dispatches, d => Assert.Equal(TimeSpan.Zero, d.Delay));
    }

    [Fact]
    public void Advance_SkipsAStep_WhoseConditionIsFalse()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
            - id: b
              uses: test.record
              needs: [a]
              if: ${{ false }}
            """);

        h.Complete("a");

        Assert.Equal(StepStatus.Skipped, h.Step("b").Status);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.skipped" && e.StepId == "b");
        Assert.Equal(RunStatus.Succeeded, h.Run.Status);
    }

    [Fact]
    public void Advance_DoesNothing_ForARunThatIsNotRunning()
    {
        var h = MachineHarness.Create(Fan);

        var tx = h.Do(t => h.Machine.Advance(t, h.Def, allowInline: true));

        Assert.True(MachineHarness.ChangedNothing(tx));
        Assert.Equal(RunStatus.Queued, h.Run.Status);
    }

    [Fact]
    public void Cancel_FinishesAQueuedRun_WithoutReleasingAKeyItDoesNotHold()
    {
        var h = MachineHarness.Create(Fan, "concurrency: lab\n");

        var tx = h.Cancel();

        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.Null(tx.ReleaseKey);
        Assert.Equal(["run.cancel.requested", "run.finished"], tx.Audit.Select(a => a.Kind));
    }

    [Fact]
    public void Cancel_OfARunWithAScheduledStep_CancelsItAndFinishes()
    {
        var h = MachineHarness.Begun(Fan, "concurrency: lab\n");

        var tx = h.Cancel();

        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.All(h.Steps, s => Assert.Equal(StepStatus.Cancelled, s.Status));
        Assert.Equal("lab", tx.ReleaseKey);
        Assert.False(h.Claim("a", seq: 1)); // the queued job is stale now
    }

    [Fact]
    public void Cancel_OfARunWithARunningStep_WaitsForIt()
    {
        var h = MachineHarness.Begun(Fan);
        Assert.True(h.Claim("a"));

        h.Cancel();

        Assert.Equal((RunStatus.Cancelling, "cancelled"), (h.Run.Status, h.Run.Cause));
        Assert.Equal(StepStatus.Running, h.Step("a").Status);
        Assert.Equal(StepStatus.Cancelled, h.Step("b").Status);
        Assert.True(h.Apply("a", StepResult.Completed())); // its result still counts
        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.Equal(StepStatus.Cancelled, h.Step("c").Status);
    }

    [Fact]
    public void Cancel_OfAWaitingStep_DeletesItsScheduledJob()
    {
        var h = MachineHarness.Begun("""
            - id: w
              uses: test.wait
            """);
        Assert.True(h.Claim("w"));
        Assert.True(h.Apply("w", StepResult.Pending("waiting")));
        h.Step("w").JobId = "job-7";

        var tx = h.Cancel();

        Assert.Equal(["job-7"], tx.JobsToDelete);
        Assert.Equal(StepStatus.Cancelled, h.Step("w").Status);
        Assert.Equal(AttemptStatus.Cancelled, Assert.Single(h.Attempts).Status);
        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
    }

    [Fact]
    public void Cancel_OfACompensatingRun_LetsTheCompensationFinish_AndEndsCancelled()
    {
        var h = MachineHarness.Begun("""
            - id: a
              uses: test.record
              compensate: { uses: test.undo }
            - id: b
              uses: test.record
              needs: [a]
            """);
        h.Complete("a");
        Assert.True(h.Claim("b"));
        Assert.True(h.Apply("b", StepResult.Failed("x.bad", "no", retryable: false)));
        Assert.Equal(RunStatus.Compensating, h.Run.Status);

        h.Cancel();

        Assert.Equal((RunStatus.Compensating, "cancelled"), (h.Run.Status, h.Run.Cause));
        h.Complete("compensate:a");
        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.Equal(StepStatus.Compensated, h.Step("a").Status);
    }

    [Fact]
    public void Retry_FromTheFailedSteps_ResetsThemAndDispatchesAgain()
    {
        var h = MachineHarness.Begun(Fan);
        h.Complete("a");
        Assert.True(h.Claim("b"));
        Assert.True(h.Apply("b", StepResult.Failed("x.bad", "no", retryable: false)));
        Assert.Equal(RunStatus.Failed, h.Run.Status);

        var tx = h.Retry();

        Assert.Equal(RunStatus.Running, h.Run.Status);
        Assert.Equal(StepStatus.Succeeded, h.Step("a").Status);
        Assert.Equal(["b", "c"], tx.Dispatches.Select(d => d.StepId).Order());
        Assert.Contains(tx.Audit, e => e.Kind == "run.retried");
        Assert.True(h.Claim("b"));
        Assert.Equal((2, 1), (h.Step("b").Attempt, h.Step("b").Attempt - h.Step("b").AttemptBase)); // attempt 1 of a new round
    }

    [Fact]
    public void Retry_FromAStep_ResetsItAndEverythingAfterIt()
    {
        var h = MachineHarness.Begun(Fan);
        h.Complete("a");
        h.Complete("b");
        Assert.True(h.Claim("c"));
        Assert.True(h.Apply("c", StepResult.Failed("x.bad", "no", retryable: false)));

        h.Retry(fromStep: "a");

        Assert.Equal(StepStatus.Scheduled, h.Step("a").Status);
        Assert.Equal(StepStatus.Pending, h.Step("b").Status);
        Assert.Equal(StepStatus.Pending, h.Step("c").Status);
    }

    [Fact]
    public void Retry_QueuesTheRun_WhenItsKeyIsHeld()
    {
        var h = MachineHarness.Begun(Fan, "concurrency: lab\n");
        h.Cancel();

        var tx = h.Retry(queued: true, holder: "other");

        Assert.Equal((RunStatus.Queued, "other"), (h.Run.Status, h.Run.QueuedBehind));
        Assert.Empty(tx.Dispatches);
        Assert.Contains(tx.Audit, e => e.Kind == "run.queued");
    }

    [Fact]
    public void Finish_ReleasesTheConcurrencyKey_OnFailure()
    {
        var h = MachineHarness.Begun(Fan, "concurrency: lab\n");
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Failed("x.bad", "no", retryable: false)));

        Assert.Equal(RunStatus.Failed, h.Run.Status);
        Assert.Equal("lab", h.Tx.ReleaseKey);
    }

    [Fact]
    public void Cancel_EndsTheAttempt_OfAStepWaitingToBeResumed()
    {
        // Found by the property test: the attempt of a step recovered for a resume stayed Running for good
        // when the run was cancelled before the resume, and a retry then had two running attempts.
        var h = MachineHarness.Begun(Fan);
        Assert.True(h.Claim("a"));
        h.Time.Advance(MachineHarness.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.True(h.Recover("a"));

        h.Cancel();

        Assert.Equal(StepStatus.Cancelled, h.Step("a").Status);
        Assert.Equal(AttemptStatus.Cancelled, Assert.Single(h.Attempts).Status);
        h.Retry();
        Assert.True(h.Claim("a"));
        Assert.Equal([AttemptStatus.Cancelled, AttemptStatus.Running], h.Attempts.Select(x => x.Status));
    }
}
