using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Tests.Machine;

/// <summary>The inputs an attempt keeps: evaluated when it starts, in the transaction that starts it, never rewritten.</summary>
public class AttemptInputsFacts
{
    private const string Chain = """
        - id: a
          uses: test.record
          with: { value: first }
        - id: b
          uses: test.record
          needs: [a]
          with: { value: "${{ steps.a.outputs.value }}-b", failCode: literal }
        """;

    [Fact]
    public void Claim_StartsAnAttempt_WithItsInputsEvaluated()
    {
        var h = MachineHarness.Begun(Chain);

        Assert.True(h.Claim("a"));

        Assert.Equal("""{"value":"first"}""", Assert.Single(h.Tx.NewAttempts).Inputs);
    }

    [Fact]
    public void Apply_Completed_StartsTheNextStepInline_WithInputsFromTheOutputsOfTheSameTransaction()
    {
        var h = MachineHarness.Begun(Chain);
        Assert.True(h.Claim("a"));

        Assert.True(h.Apply("a", StepResult.Completed(new JsonObject { ["value"] = "x" }), allowInline: true));

        Assert.Same(h.Step("b"), h.Tx.InlineNext);
        Assert.Equal("""{"value":"x-b","failCode":"literal"}""", Assert.Single(h.Tx.NewAttempts).Inputs);
    }

    [Fact]
    public void Attempt_KeepsItsInputs_ThroughPollsARecoveryAndItsEnd()
    {
        var h = MachineHarness.Begun(Chain);
        Assert.True(h.Claim("a"));
        var started = h.Attempts.Single().Inputs;

        Assert.True(h.Apply("a", StepResult.Pending(progress: "BUILD")));
        Assert.Empty(h.Tx.NewAttempts);
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.True(h.Recover("a"));
        Assert.True(h.Apply("a", StepResult.Completed(new JsonObject { ["value"] = "y" })));

        var attempt = Assert.Single(h.Attempts);
        Assert.Equal(AttemptStatus.Succeeded, attempt.Status);
        Assert.Equal("""{"value":"first"}""", started);
        Assert.Equal(started, attempt.Inputs);
    }
}
