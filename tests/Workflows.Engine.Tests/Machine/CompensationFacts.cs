using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>Compensation: which steps are undone, in which order, and how a compensating run ends.</summary>
public class CompensationFacts
{
    private const string Chain = """
        - id: a
          uses: test.record
          compensate: { uses: test.undo }
        - id: b
          uses: test.record
          needs: [a]
          compensate: { uses: test.undo }
        - id: c
          uses: test.record
          needs: [b]
          compensate: { uses: test.undo }
        - id: d
          uses: test.record
          needs: [c]
          compensate: { uses: test.undo }
        """;

    [Fact]
    public void Fail_CompensatesTheStartedSteps_InReverseOrder_OneAtATime()
    {
        var h = MachineHarness.Begun(Chain);
        h.Complete("a");
        h.Complete("b");
        Assert.True(h.Claim("c"));

        Assert.True(h.Apply("c", StepResult.Failed("x.unknown", "no answer", retryable: true)));

        Assert.Equal(RunStatus.Compensating, h.Run.Status);
        Assert.Equal(["compensate:c", "compensate:b", "compensate:a"], h.Steps.Where(s => s.Kind == StepKinds.Compensation).OrderBy(s => s.Position).Select(s => s.StepId));
        Assert.Equal("compensate:c", Assert.Single(h.Tx.Dispatches).StepId);
        h.Complete("compensate:c");
        Assert.Equal("compensate:b", Assert.Single(h.Tx.Dispatches).StepId);
        h.Complete("compensate:b");
        Assert.Equal("compensate:a", Assert.Single(h.Tx.Dispatches).StepId);
        h.Complete("compensate:a");
        Assert.Equal(RunStatus.Failed, h.Run.Status);
        Assert.Equal([StepStatus.Compensated, StepStatus.Compensated, StepStatus.Compensated, StepStatus.Cancelled], new[] { "a", "b", "c", "d" }.Select(id => h.Step(id).Status));
    }

    [Fact]
    public void Fail_NeverCompensates_AStepThatDidNotStart()
    {
        var h = MachineHarness.Begun(Chain);
        h.Complete("a");
        Assert.True(h.Claim("b"));

        Assert.True(h.Apply("b", StepResult.Failed("x.bad", "no", retryable: false)));

        Assert.Null(h.FindStep("compensate:c"));
        Assert.Null(h.FindStep("compensate:d"));
        Assert.NotNull(h.FindStep("compensate:a"));
    }

    [Fact]
    public void Fail_Holds_WhenTheWorkflowSaysSo()
    {
        var h = MachineHarness.Begun(Chain, "onFailure: hold\n");
        h.Complete("a");
        Assert.True(h.Claim("b"));

        Assert.True(h.Apply("b", StepResult.Failed("x.bad", "no", retryable: false)));

        Assert.Equal(RunStatus.Failed, h.Run.Status);
        Assert.DoesNotContain(h.Steps, s => s.Kind == StepKinds.Compensation);
    }

    [Fact]
    public void Claim_Refused_ForTheQueuedJobOfAStepTheCancelStopped()
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
        var bSeq = h.Step("b").DispatchSeq;
        h.Cancel();

        Assert.Equal(RunStatus.Compensating, h.Run.Status);
        Assert.False(h.Claim("b", seq: bSeq));
        Assert.True(MachineHarness.ChangedNothing(h.Tx));
    }

    [Fact]
    public void CompensationSucceeded_MarksTheStepCompensated()
    {
        var h = MachineHarness.Begun(Chain);
        Assert.True(h.Claim("a"));
        Assert.True(h.Apply("a", StepResult.Failed("x.unknown", "no answer", retryable: true)));

        h.Complete("compensate:a");

        Assert.Equal(StepStatus.Compensated, h.Step("a").Status);
        Assert.Contains(h.Tx.Audit, e => e.Kind == "step.compensated" && e.StepId == "a");
        Assert.Equal(RunStatus.Failed, h.Run.Status);
    }

    [Fact]
    public void CompensationFailed_GoesOnWithTheNext_AndNamesItInTheRunsError()
    {
        var h = MachineHarness.Begun(Chain);
        h.Complete("a");
        Assert.True(h.Claim("b"));
        Assert.True(h.Apply("b", StepResult.Failed("x.unknown", "no answer", retryable: true)));

        h.Complete("compensate:b", StepResult.Failed("x.auth", "denied", retryable: false));

        Assert.Equal(StepStatus.Failed, h.Step("compensate:b").Status);
        Assert.Equal("compensate:a", Assert.Single(h.Tx.Dispatches).StepId);
        Assert.Contains("compensation of 'b' failed: denied", h.Run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_AfterCompensation_RunsTheCompensatedStepsAgain()
    {
        var h = MachineHarness.Begun(Chain);
        h.Complete("a");
        Assert.True(h.Claim("b"));
        Assert.True(h.Apply("b", StepResult.Failed("x.unknown", "no answer", retryable: true)));
        h.Complete("compensate:b");
        h.Complete("compensate:a");

        h.Retry();

        Assert.Equal(StepStatus.Scheduled, h.Step("a").Status);
        Assert.Equal(RunStatus.Running, h.Run.Status);
    }

    [Fact]
    public void Cancel_AfterARetry_DoesNotCompensateAgain_AStepUndoneBefore_ThatDidNotStartAgain()
    {
        // Found by the property test: the retry kept the undone step's start, so a cancel before it started
        // again compensated it a second time.
        var h = MachineHarness.Begun(Chain);
        h.Complete("a");
        Assert.True(h.Claim("b"));
        Assert.True(h.Apply("b", StepResult.Failed("x.unknown", "no answer", retryable: true)));
        h.Complete("compensate:b");
        h.Complete("compensate:a");
        h.Retry();

        h.Cancel();

        Assert.Equal(RunStatus.Cancelled, h.Run.Status);
        Assert.DoesNotContain(h.Tx.Audit, e => e.Kind == "run.compensating");
        Assert.Equal(StepStatus.Cancelled, h.Step("a").Status);
    }

    [Fact]
    public void Cancel_AfterARetry_StillCompensates_AStepThatFailedBefore_AndWasNeverUndone()
    {
        var h = MachineHarness.Begun(Chain, "onFailure: hold\n");
        Assert.True(h.Claim("a"));
        Assert.True(h.Apply("a", StepResult.Failed("x.unknown", "no answer", retryable: true)));
        Assert.Equal(RunStatus.Failed, h.Run.Status); // held: nothing undone
        h.Retry();

        h.Cancel();

        Assert.Equal(RunStatus.Compensating, h.Run.Status);
        Assert.Equal("compensate:a", Assert.Single(h.Tx.Dispatches).StepId);
    }
}
