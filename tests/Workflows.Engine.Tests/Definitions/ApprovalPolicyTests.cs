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

/// <summary>Approval policies and actor ids: a local alice (<c>alice</c>) and a single sign-on alice (<c>oidc:alice</c>).</summary>
public class ApprovalPolicyActorTests
{
    private static readonly Approver LocalAlice = new("alice", ["viewer", "operator"], []);
    private static readonly Approver SsoAlice = new("oidc:alice", ["viewer", "operator"], ["platform-admins"]);

    [Theory]
    [InlineData("alice", true, true)]
    [InlineData("local:alice", true, false)]
    [InlineData("oidc:alice", false, true)]
    [InlineData("bob", false, false)]
    [InlineData("token:alice", false, false)]
    public void Grant_MatchesABareNameToBothAlices_AndAQualifiedNameToOne(string named, bool local, bool sso)
    {
        var policy = new ApprovalPolicy { Users = [named] };

        Assert.Equal(local, policy.Grant(LocalAlice) is not null);
        Assert.Equal(sso, policy.Grant(SsoAlice) is not null);
    }

    [Fact]
    public void WhyNotAllowed_ComparesActorIds_SoSsoAliceMayApproveLocalAlicesRun_ButNotHerOwn()
    {
        var policy = new ApprovalPolicy { Users = ["alice"] };

        Assert.Null(policy.WhyNotAllowed(SsoAlice, starter: "alice", approving: true, []));
        Assert.Null(policy.WhyNotAllowed(LocalAlice, starter: "oidc:alice", approving: true, []));
        Assert.Equal("You started this run; self-approval is not allowed.", policy.WhyNotAllowed(SsoAlice, starter: "oidc:alice", approving: true, []));
    }

    [Fact]
    public void WhyNotAllowed_CountsTheTwoAlices_AsTwoPeople()
    {
        var policy = new ApprovalPolicy { Users = ["alice"], Required = 2 };

        Assert.Null(policy.WhyNotAllowed(SsoAlice, starter: null, approving: true, ["alice"]));
        Assert.StartsWith("You have already approved", policy.WhyNotAllowed(SsoAlice, starter: null, approving: true, ["oidc:alice"]), StringComparison.Ordinal);
    }

    [Fact]
    public void WhyNotAllowed_ShowsTheSsoUsersDisplayName_WhenRefused() =>
        Assert.Equal("Approvers are user local:alice; alice (SSO) is none of them.", new ApprovalPolicy { Users = ["local:alice"] }.WhyNotAllowed(SsoAlice, null, true, []));
}
