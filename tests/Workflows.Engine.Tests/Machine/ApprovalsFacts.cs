using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>Signals (approval decisions) delivered to a waiting step.</summary>
public class ApprovalsFacts
{
    private const string Gate = """
        - id: gate
          uses: test.wait
        """;

    [Fact]
    public void Signal_DispatchesAWaitingStep_AtOnce_AndDeletesItsScheduledPoll()
    {
        var h = MachineHarness.Begun(Gate);
        Assert.True(h.Claim("gate"));
        Assert.True(h.Apply("gate", StepResult.Pending("waiting for approval")));
        h.Step("gate").JobId = "job-9";
        var seq = h.Step("gate").DispatchSeq;

        var tx = h.Signal("gate");

        Assert.Equal(["job-9"], tx.JobsToDelete);
        var d = Assert.Single(tx.Dispatches);
        Assert.Equal((seq + 1, TimeSpan.Zero), (d.Seq, d.Delay));
        Assert.Contains("\"approved\":true", h.Step("gate").Signal, StringComparison.Ordinal);
        Assert.Equal(AdmissionKind.Poll, AdmissionKindOf(h));
    }

    [Fact]
    public void Signal_ToARunningStep_OnlyRecordsIt_ForItsNextPoll()
    {
        var h = MachineHarness.Begun(Gate);
        Assert.True(h.Claim("gate"));

        var tx = h.Signal("gate");

        Assert.NotNull(h.Step("gate").Signal);
        Assert.Empty(tx.Dispatches);
        Assert.Equal(StepStatus.Running, h.Step("gate").Status);
    }

    [Fact]
    public void Signal_LeavesTheOldPollStale()
    {
        var h = MachineHarness.Begun(Gate);
        Assert.True(h.Claim("gate"));
        Assert.True(h.Apply("gate", StepResult.Pending("waiting for approval")));
        var old = h.Step("gate").DispatchSeq;

        h.Signal("gate");

        Assert.False(h.Apply("gate", StepResult.Completed(), seq: old));
        Assert.True(h.Apply("gate", StepResult.Completed()));
        Assert.Equal(RunStatus.Succeeded, h.Run.Status);
    }

    private static AdmissionKind AdmissionKindOf(MachineHarness h) =>
        Admission.Decide(h.Run, h.Step("gate"), h.Step("gate").DispatchSeq, h.Machine.Now).Kind;
}
