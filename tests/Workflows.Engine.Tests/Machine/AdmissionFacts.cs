using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>The one admission decision of a step job: a pure function of the rows, the job's dispatch number and the time.</summary>
public class AdmissionFacts
{
    private const long Now = 1_000_000;

    [Fact]
    public void Decide_Stale_WhenTheStepIsUnknown()
    {
        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), null, 1, Now));
    }

    [Fact]
    public void Decide_Stale_WhenTheJobCarriesAnOlderDispatch()
    {
        var step = Step(StepStatus.Scheduled, NextActions.Attempt, seq: 3);

        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), step, 2, Now));
    }

    [Fact]
    public void Decide_Stale_WhenTheJobCarriesANewerDispatch()
    {
        var step = Step(StepStatus.Scheduled, NextActions.Attempt, seq: 3);

        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), step, 4, Now));
    }

    [Theory]
    [InlineData(NextActions.Poll)]
    [InlineData(NextActions.Attempt)]
    public void Decide_Early_WhenAWaitingStepIsNotDueYet(string next)
    {
        var step = Step(StepStatus.Waiting, next, nextPollAt: Now + 900);

        Assert.Equal(new Admission(AdmissionKind.Early, TimeSpan.FromMilliseconds(900)), Admission.Decide(Run(RunStatus.Running), step, 1, Now));
    }

    [Fact]
    public void Decide_NotEarly_WithinTheTolerance()
    {
        var step = Step(StepStatus.Waiting, NextActions.Poll, nextPollAt: Now + Admission.EarlyToleranceMs);

        Assert.Equal(Admission.Poll, Admission.Decide(Run(RunStatus.Running), step, 1, Now));
    }

    [Fact]
    public void Decide_Poll_ForADuePollOfARunningRun()
    {
        var step = Step(StepStatus.Waiting, NextActions.Poll, nextPollAt: Now - 5);

        Assert.Equal(Admission.Poll, Admission.Decide(Run(RunStatus.Running), step, 1, Now));
    }

    [Theory]
    [InlineData(StepStatus.Scheduled, NextActions.Attempt)]
    [InlineData(StepStatus.Waiting, NextActions.Attempt)]
    [InlineData(StepStatus.Scheduled, NextActions.Resume)]
    [InlineData(StepStatus.Waiting, NextActions.Resume)]
    public void Decide_Claimed_ForADueAttemptOrResume(StepStatus status, string next)
    {
        var step = Step(status, next, nextPollAt: status == StepStatus.Waiting ? Now : null);

        Assert.Equal(Admission.Claimed, Admission.Decide(Run(RunStatus.Running), step, 1, Now));
    }

    [Fact]
    public void Decide_Stale_ForAPollOfAStepThatIsNotWaiting()
    {
        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), Step(StepStatus.Scheduled, NextActions.Poll), 1, Now));
    }

    [Theory]
    [InlineData(StepStatus.Pending)]
    [InlineData(StepStatus.Running)]
    [InlineData(StepStatus.Succeeded)]
    [InlineData(StepStatus.Failed)]
    [InlineData(StepStatus.Skipped)]
    [InlineData(StepStatus.Cancelled)]
    [InlineData(StepStatus.Compensated)]
    public void Decide_Stale_ForAStepThatIsNotHandedToAWorker(StepStatus status)
    {
        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), Step(status, NextActions.Attempt), 1, Now));
    }

    [Fact]
    public void Decide_Stale_ForTheSecondJobOfADispatchAlreadyClaimed()
    {
        var step = Step(StepStatus.Scheduled, NextActions.Attempt);
        Assert.Equal(Admission.Claimed, Admission.Decide(Run(RunStatus.Running), step, 1, Now));
        step.Status = StepStatus.Running; // what the claim did

        Assert.Equal(Admission.Stale, Admission.Decide(Run(RunStatus.Running), step, 1, Now));
    }

    [Theory]
    [InlineData(RunStatus.Queued)]
    [InlineData(RunStatus.Cancelling)]
    [InlineData(RunStatus.Compensating)]
    [InlineData(RunStatus.Succeeded)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Cancelled)]
    public void Decide_Stale_ForAStepOfARunThatTakesNoWork(RunStatus runStatus)
    {
        Assert.Equal(Admission.Stale, Admission.Decide(Run(runStatus), Step(StepStatus.Scheduled, NextActions.Attempt), 1, Now));
        Assert.Equal(Admission.Stale, Admission.Decide(Run(runStatus), Step(StepStatus.Waiting, NextActions.Poll, nextPollAt: Now), 1, Now));
    }

    [Theory]
    [InlineData(StepStatus.Scheduled, NextActions.Attempt, AdmissionKind.Claimed)]
    [InlineData(StepStatus.Waiting, NextActions.Poll, AdmissionKind.Poll)]
    public void Decide_AdmitsACompensation_OfACompensatingRun(StepStatus status, string next, AdmissionKind kind)
    {
        var step = Step(status, next, nextPollAt: status == StepStatus.Waiting ? Now : null);
        step.StepId = StepKinds.CompensationPrefix + "s";
        step.Kind = StepKinds.Compensation;

        Assert.Equal(kind, Admission.Decide(Run(RunStatus.Compensating), step, 1, Now).Kind);
    }

    [Theory]
    [InlineData(RunStatus.Cancelling)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Cancelled)]
    public void Decide_Stale_ForACompensationOfARunThatIsNotCompensating(RunStatus runStatus)
    {
        var step = Step(StepStatus.Scheduled, NextActions.Attempt);
        step.Kind = StepKinds.Compensation;

        Assert.Equal(Admission.Stale, Admission.Decide(Run(runStatus), step, 1, Now));
    }

    private static RunRow Run(RunStatus status) => new() { Id = "r", Status = status };

    private static StepRow Step(StepStatus status, string? next, long seq = 1, long? nextPollAt = null) =>
        new() { RunId = "r", StepId = "s", Status = status, NextAction = next, DispatchSeq = seq, NextPollAt = nextPollAt };
}
