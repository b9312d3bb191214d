using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Definitions;

public class ApprovalPolicyParserTests
{
    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("core.approval", typeof(ApprovalAction), typeof(ApprovalInputs), typeof(ApprovalOutputs)),
    ];

    private static ParseResult Parse(string with) =>
        new DefinitionParser(Actions).Parse("workflows/gate.yaml", $"name: gate\nsteps:\n  - id: gate\n    uses: core.approval\n    with:\n{with}\n  - id: after\n    needs: [gate]\n    uses: test.record\n");

    [Fact]
    public void Parse_ReadsEveryPolicyField_OnAnApprovalStep()
    {
        var r = Parse("""
                  message: "Create ${{ 'prod' }}?"
                  approvers: { roles: [admin], groups: [platform-admins, sre], users: [alice] }
                  required: 2
                  allowSelfApproval: true
                  onExpiry: approve
            """);

        Assert.Empty(r.Errors);
        var p = r.Definition!.FindStep("gate")!.Approval!;
        Assert.Equal(["admin"], p.Roles);
        Assert.Equal(["platform-admins", "sre"], p.Groups);
        Assert.Equal(["alice"], p.Users);
        Assert.Equal(2, p.Required);
        Assert.True(p.AllowSelfApproval);
        Assert.Equal(ApprovalExpiry.Approve, p.OnExpiry);
    }

    [Fact]
    public void Parse_GivesTheDefaultPolicy_WhenTheStepNamesNone()
    {
        var r = Parse("      message: Go?");

        Assert.Empty(r.Errors);
        var p = r.Definition!.FindStep("gate")!.Approval!;
        Assert.False(p.NamesApprovers);
        Assert.Equal(1, p.Required);
        Assert.False(p.AllowSelfApproval);
        Assert.Equal(ApprovalExpiry.Reject, p.OnExpiry);
        Assert.Null(r.Definition.FindStep("after")!.Approval);
    }

    [Theory]
    [InlineData("      approvers: [platform-admins]", "steps[gate].with.approvers", "must be a mapping with roles, groups and/or users")]
    [InlineData("      approvers: { teams: [a] }", "steps[gate].with.approvers.teams", "unknown field 'teams'; allowed: roles, groups, users")]
    [InlineData("      approvers: { groups: [] }", "steps[gate].with.approvers.groups", "must name at least one group")]
    [InlineData("      approvers: { roles: [owner] }", "steps[gate].with.approvers.roles", "'owner' is not a role; the roles are viewer, operator, admin")]
    [InlineData("      approvers: { users: [\"${{ inputs.x }}\"] }", "steps[gate].with.approvers.users", "not with an expression")]
    [InlineData("      required: 0", "steps[gate].with.required", "must be a whole number from 1 to 20")]
    [InlineData("      required: two", "steps[gate].with.required", "not 'two'")]
    [InlineData("      required: \"${{ 2 }}\"", "steps[gate].with.required", "must be a plain value, not an expression")]
    [InlineData("      approvers: { users: [alice] }\n      required: 2", "steps[gate].with.required", "needs 2 approvals but approvers.users names only 1")]
    [InlineData("      approvers: { users: [\"sso:alice\"] }", "steps[gate].with.approvers.users", "'sso:alice' has an unknown qualifier 'sso:'; write local:NAME")]
    [InlineData("      approvers: { users: [\"oidc:\"] }", "steps[gate].with.approvers.users", "'oidc:' names nobody after 'oidc:'")]
    [InlineData("      approvers: { users: [\"local:oidc:alice\"] }", "steps[gate].with.approvers.users", "a local user's name has no ':'")]
    [InlineData("      allowSelfApproval: maybe", "steps[gate].with.allowSelfApproval", "must be true or false, not 'maybe'")]
    [InlineData("      onExpiry: escalate", "steps[gate].with.onExpiry", "must be reject or approve, not 'escalate'")]
    [InlineData("      onExpiry: [reject]", "steps[gate].with.onExpiry", "must be a single value")]
    public void Parse_NamesTheFieldAndTheProblem_WhenThePolicyIsMalformed(string with, string field, string message)
    {
        var r = Parse(with);

        var e = Assert.Single(r.Errors, e => e.Field == field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.True(e.Line > 5, "the error points into the step's with:");
    }

    [Fact]
    public void Parse_RefusesPolicyFields_OnAStepThatIsNoApproval()
    {
        var r = new DefinitionParser(Actions).Parse("workflows/x.yaml", "name: x\nsteps:\n  - id: a\n    uses: test.record\n    with: { value: a, required: 2 }\n");

        Assert.Contains(r.Errors, e => e.Field == "steps[a].with.required");
    }
}
