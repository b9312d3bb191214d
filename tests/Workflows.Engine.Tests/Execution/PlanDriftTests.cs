using Workflows.Abstractions.Actions;
using Workflows.Engine.Execution;

namespace Workflows.Engine.Tests.Execution;

/// <summary>What counts as drift between a step's stored plan and its plan just before it runs (issue 14).</summary>
public class PlanDriftTests
{
    private static StepPlan Boot(PlanAction action = PlanAction.Create, string name = "web-1", string flavor = "m1.tiny (id 1): 1 vCPU", PlanCheck? quota = null, PlanCheck? nameCheck = null, PlanProblem[]? problems = null) =>
        new(
            action,
            $"boot server {name}",
            [new PlannedResource("nova.server", name, action, new Dictionary<string, string> { ["flavor"] = flavor, ["image"] = "cirros" }, [])],
            [nameCheck ?? new PlanCheck("name", PlanCheckOutcome.Passed, "no server is named 'web-1'"), quota ?? new PlanCheck("quota.ram", PlanCheckOutcome.Passed, "512 of 3000 MB RAM used")],
            problems ?? []);

    [Fact]
    public void Compare_FindsNothing_WhenTheWorldIsAsPlanned()
    {
        Assert.Empty(PlanDrift.Compare(Boot(), Boot()));
    }

    [Fact]
    public void Compare_ReportsACheckThatPassedThenAndFailsNow_WithBothDetails()
    {
        var now = Boot(quota: new PlanCheck("quota.ram", PlanCheckOutcome.Failed, "2560 of 3000 MB RAM used; this step needs 512"));

        var change = Assert.Single(PlanDrift.Compare(Boot(), now));

        Assert.Equal("check quota.ram: passed then (512 of 3000 MB RAM used), failed now (2560 of 3000 MB RAM used; this step needs 512)", change);
    }

    [Fact]
    public void Compare_ReportsATakenName_OnceAsACheck_NotAgainAsItsError()
    {
        const string taken = "a server named 'web-1' exists already in cloud sandbox (abc, ACTIVE, not booted by Workflows)";
        var now = Boot(nameCheck: new PlanCheck("name", PlanCheckOutcome.Failed, taken), problems: [new PlanProblem(PlanSeverity.Error, "with.name", taken)]);

        var change = Assert.Single(PlanDrift.Compare(Boot(), now));

        Assert.StartsWith("check name: passed then", change, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_ReportsTheActionAndTheObjectsAction_WhenAnObjectIsNowAdopted()
    {
        var changes = PlanDrift.Compare(Boot(), Boot(PlanAction.Adopt, name: "web-1 (abc)"));

        Assert.Equal(["the plan said create, now it is adopt", "nova.server \"web-1 (abc)\": create → adopt"], changes);
    }

    [Fact]
    public void Compare_ReportsAChangedKeyFact_ButNotAValueThePlanDidNotKnowYet()
    {
        Assert.Equal(["nova.server \"web-1\" flavor: m1.tiny (id 1): 1 vCPU → m1.tiny (id 9): 2 vCPU"], PlanDrift.Compare(Boot(), Boot(flavor: "m1.tiny (id 9): 2 vCPU")));
        Assert.Empty(PlanDrift.Compare(Boot(flavor: "(known after `lookup`)"), Boot(flavor: "m1.tiny (id 9): 2 vCPU")));
    }

    [Fact]
    public void Compare_ReportsANewError_ButNotOneThePlanAlreadyHad()
    {
        var error = new PlanProblem(PlanSeverity.Error, "with.image", "image cirros is queued, not active");

        Assert.Equal(["new error on with.image: image cirros is queued, not active"], PlanDrift.Compare(Boot(), Boot(problems: [error])));
        Assert.Empty(PlanDrift.Compare(Boot(problems: [error]), Boot(problems: [error])));
    }
}
