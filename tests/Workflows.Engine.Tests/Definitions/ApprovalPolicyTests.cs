using Workflows.Abstractions.Definitions;

namespace Workflows.Engine.Tests.Definitions;

public class ApprovalPolicyTests
{
    private static readonly Approver Alice = new("alice", ["viewer", "operator"], ["platform-admins"]);
    private static readonly Approver Bob = new("bob", ["viewer", "operator"], []);

    [Fact]
    public void WhyNotAllowed_RefusesTheStarter_ByDefault()
    {
        var why = ApprovalPolicy.Default.WhyNotAllowed(Alice, starter: "alice", approving: true, []);

        Assert.Equal("You started this run; self-approval is not allowed.", why);
    }

    [Fact]
    public void WhyNotAllowed_LetsTheStarterApprove_WhenSelfApprovalIsAllowed() =>
        Assert.Null(new ApprovalPolicy { AllowSelfApproval = true }.WhyNotAllowed(Alice, "alice", true, []));

    [Fact]
    public void WhyNotAllowed_LetsTheStarterReject_TheirOwnRequest() =>
        Assert.Null(ApprovalPolicy.Default.WhyNotAllowed(Alice, "alice", approving: false, []));

    [Fact]
    public void WhyNotAllowed_NamesTheApprovers_WhenTheUserIsNoneOfThem()
    {
        var policy = new ApprovalPolicy { Groups = ["platform-admins"], Users = ["carol"] };

        var why = policy.WhyNotAllowed(Bob, "someone", true, []);

        Assert.Equal("Approvers are group platform-admins or user carol; bob is none of them.", why);
    }

    [Fact]
    public void Grant_SaysWhichGroupMadeTheUserAnApprover()
    {
        var policy = new ApprovalPolicy { Roles = ["admin"], Groups = ["sre", "platform-admins"] };

        Assert.Equal("group platform-admins", policy.Grant(Alice));
        Assert.Null(policy.Grant(Bob));
        Assert.Equal("role admin", policy.Grant(new Approver("root", ["admin"], [])));
    }

    [Fact]
    public void WhyNotAllowed_RefusesASecondApproval_FromTheSamePerson()
    {
        var policy = new ApprovalPolicy { Required = 2 };

        var why = policy.WhyNotAllowed(Bob, null, true, ["bob"]);

        Assert.Equal("You have already approved; 2 approvals from different people are needed (1 so far).", why);
    }

    [Fact]
    public void Describe_SaysTheWholePolicyInOneSentence() =>
        Assert.Equal(
            "Approvers are groups platform-admins, sre; 2 approvals from different people are needed; the run's starter may not approve it; approved when it expires.",
            new ApprovalPolicy { Groups = ["platform-admins", "sre"], Required = 2, OnExpiry = ApprovalExpiry.Approve }.Describe());
}
