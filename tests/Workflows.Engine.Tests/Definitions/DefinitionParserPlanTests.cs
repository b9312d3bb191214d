using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Definitions;

/// <summary><c>plan: required</c>: the synthetic approval of the plan, and the errors of a malformed <c>plan:</c>.</summary>
public class DefinitionParserPlanTests
{
    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("core.approval", typeof(ApprovalAction), typeof(ApprovalInputs), typeof(ApprovalOutputs)),
    ];

    private const string Steps = """
        steps:
          - id: a
            uses: test.record
            with: { value: a }
          - id: b
            uses: test.record
            with: { value: b }
          - id: c
            needs: [a, b]
            uses: test.record
            with: { value: c }
        """;

    private static ParseResult Parse(string plan, string steps = Steps) =>
        new DefinitionParser(Actions).Parse("workflows/planned.yaml", $"name: planned\n{plan}\n{steps}\n");

    [Fact]
    public void Parse_PutsAnApprovalOfThePlan_BeforeEveryRootStep_WhenPlanIsRequired()
    {
        var r = Parse("plan: required");

        Assert.Empty(r.Errors);
        var def = r.Definition!;
        Assert.True(def.PlanRequired);
        Assert.Equal(["plan-approval", "a", "b", "c"], def.Steps.Select(s => s.Id));
        var gate = def.Steps[0];
        Assert.Equal("core.approval", gate.Uses);
        Assert.Empty(gate.Needs);
        Assert.Same(ApprovalPolicy.Default, gate.Approval);
        Assert.Equal("24h", gate.With["expiresIn"]!.GetValue<string>());
        Assert.Equal(["plan-approval"], def.FindStep("a")!.Needs);
        Assert.Equal(["plan-approval"], def.FindStep("b")!.Needs);
        Assert.Equal(["a", "b"], def.FindStep("c")!.Needs);
    }

    [Fact]
    public void Parse_ReadsThePolicyOfTheApproval_FromThePlanMapping()
    {
        var r = Parse("""
            plan:
              required: true
              approvers: { groups: [platform-admins], users: [carol] }
              approvals: 2
              allowSelfApproval: true
              onExpiry: approve
              expiresIn: 2h
            """);

        Assert.Empty(r.Errors);
        var gate = r.Definition!.FindStep("plan-approval")!;
        var p = gate.Approval!;
        Assert.Equal(["platform-admins"], p.Groups);
        Assert.Equal(["carol"], p.Users);
        Assert.Equal(2, p.Required);
        Assert.True(p.AllowSelfApproval);
        Assert.Equal(ApprovalExpiry.Approve, p.OnExpiry);
        Assert.Equal("2h", gate.With["expiresIn"]!.GetValue<string>());
        Assert.Equal("approve", gate.With["onExpiry"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_AddsNoApproval_WhenRequiredIsFalse_OrPlanIsLeftOut()
    {
        foreach (var plan in new[] { "plan: { required: false }", "" })
        {
            var r = Parse(plan);

            Assert.Empty(r.Errors);
            Assert.False(r.Definition!.PlanRequired);
            Assert.Equal(["a", "b", "c"], r.Definition.Steps.Select(s => s.Id));
            Assert.Empty(r.Definition.FindStep("a")!.Needs);
        }
    }

    [Theory]
    [InlineData("plan: always", "plan", "must be 'required' or a mapping")]
    [InlineData("plan: [required]", "plan", "must be 'required' or a mapping")]
    [InlineData("plan: { approvers: { groups: [ops] } }", "plan.required", "is required: true to plan every run")]
    [InlineData("plan: { required: yes }", "plan.required", "must be true or false")]
    [InlineData("plan: { required: true, approvals: 0 }", "plan.approvals", "must be a whole number from 1 to 20")]
    [InlineData("plan: { required: true, approvers: { teams: [a] } }", "plan.approvers.teams", "unknown field 'teams'")]
    [InlineData("plan: { required: true, onExpiry: escalate }", "plan.onExpiry", "must be reject or approve")]
    [InlineData("plan: { required: true, expiresIn: soon }", "plan.expiresIn", "")]
    [InlineData("plan: { required: true, message: hi }", "plan.message", "")]
    public void Parse_NamesTheFieldAndTheProblem_WhenPlanIsMalformed(string plan, string field, string message)
    {
        var r = Parse(plan);

        Assert.Null(r.Definition);
        var e = Assert.Single(r.Errors, e => e.Field == field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Parse_RefusesAStepNamedLikeTheApproval_WhenPlanIsRequired()
    {
        var r = Parse("plan: required", "steps:\n  - id: plan-approval\n    uses: test.record\n    with: { value: x }");

        var e = Assert.Single(r.Errors);
        Assert.Equal("steps[plan-approval].id", e.Field);
        Assert.Contains("is the id of the approval that plan: required adds", e.Message, StringComparison.Ordinal);
    }
}
