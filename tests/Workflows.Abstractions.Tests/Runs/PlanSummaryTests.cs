using Workflows.Abstractions.Runs;

namespace Workflows.Abstractions.Tests.Runs;

/// <summary>One wording of a plan's counts, wherever it is shown (inbox, approval dialog, preview, audit).</summary>
public sealed class PlanSummaryTests
{
    [Fact]
    public void ToText_StartsWithPlan_AndCountsErrorsAndWarningsInWords()
    {
        Assert.Equal("Plan: 2 to create, 1 to adopt, 0 to change, 3 to destroy; 1 error, 2 warnings", new PlanSummary(2, 1, 0, 3, 0, 0, 1, 2).ToText());
        Assert.Equal("Plan: 0 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 1 warning", new PlanSummary(0, 0, 0, 0, 0, 0, 0, 1).ToText());
    }

    [Fact]
    public void ToText_NamesUnknownAndNotPlannedSteps_WhenThereAreSome()
    {
        Assert.Equal("Plan: 1 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings (1 unknown, 2 not planned)", new PlanSummary(1, 0, 0, 0, 1, 2, 0, 0).ToText());
    }
}
