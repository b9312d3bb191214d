using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;

namespace Workflows.Engine.Tests.Machine;

/// <summary>The effects a transition asks for, as one immutable value.</summary>
public class EffectsFacts
{
    private const string Two = """
        - id: a
          uses: test.record
        - id: b
          uses: test.record
          needs: [a]
        """;

    [Fact]
    public void Of_IsEmpty_ForARefusedTransition()
    {
        var h = MachineHarness.Begun(Two);
        Assert.False(h.Claim("a", seq: 0));

        var effects = Effects.Of(h.Tx);

        Assert.Empty(effects.Dispatches);
        Assert.Empty(effects.JobsToDelete);
        Assert.Empty(effects.Audit);
        Assert.Equal((StopSignal.None, false, (string?)null), (effects.Stop, effects.FinishedRun, effects.ReleasedKey));
    }

    [Fact]
    public void Of_DoesNotChange_WhenTheTransactionChangesAfterwards()
    {
        var h = MachineHarness.Begun(Two);
        var effects = Effects.Of(h.Tx);

        h.Tx.Dispatches.Clear();

        Assert.Single(effects.Dispatches);
    }

    [Fact]
    public void Of_StopsTheSteps_WhenTheRunStartsStopping()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        var effects = Effects.Of(h.Cancel());

        Assert.Equal((RunStatus.Running, RunStatus.Cancelling, StopSignal.Steps), (effects.Before, effects.After, effects.Stop));
        Assert.False(effects.FinishedRun);
    }

    [Fact]
    public void Of_StopsEverything_AndReleasesTheKey_WhenTheRunEnds()
    {
        var h = MachineHarness.Begun(Two, "concurrency: lab\n");
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Failed("x.bad", "no", retryable: false)));
        var effects = Effects.Of(h.Tx);

        Assert.Equal((RunStatus.Failed, StopSignal.Everything, true, "lab"), (effects.After, effects.Stop, effects.FinishedRun, effects.ReleasedKey));
        Assert.True(effects.WroteLogs);
    }

    [Fact]
    public void Of_CarriesTheStepToRunInline()
    {
        var h = MachineHarness.Begun(Two);
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Completed(), allowInline: true));

        Assert.Equal("b", Effects.Of(h.Tx).InlineNext?.StepId);
    }
}
