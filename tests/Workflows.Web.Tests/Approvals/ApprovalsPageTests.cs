using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Approvals;
using Workflows.Web.Components.Runs;
using Workflows.Web.Components.Shared;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Approvals;

public sealed class ApprovalsPageTests : PortalTestContext
{
    private readonly FakeApprovalQueries inbox = new();
    private readonly Guid runId = Guid.NewGuid();

    public ApprovalsPageTests() => Services.AddSingleton<IApprovalQueries>(inbox);

    [Fact]
    public void Render_ListsEachPendingApproval_WithItsMessageAndCount()
    {
        SignIn("bob", "viewer", "operator");
        inbox.Pending.Add(Request() with { ApprovedBy = ["carol"], Required = 2 });

        var cut = RenderPage();

        Assert.Contains("Deploy web-1 to production?", cut.Find("[data-testid=approval-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal("1 of 2", cut.Find("[data-testid=approval-count]").TextContent.Trim());
        Assert.False(cut.Find($"[data-testid=inbox-approve-{runId}]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll($"[data-testid=inbox-why-{runId}]"));
        Assert.Equal("bob", Assert.Single(inbox.Callers).Name);
        Assert.Equal(["viewer", "operator"], inbox.Callers[0].Roles);
    }

    [Fact]
    public void Render_DisablesApprove_AndSaysWhy_WhenThePolicyRefusesTheUser()
    {
        SignIn("alice", "viewer", "operator");
        inbox.Pending.Add(Request() with { CanApprove = false, WhyNot = "You started this run; self-approval is not allowed." });

        var cut = RenderPage();

        Assert.True(cut.Find($"[data-testid=inbox-approve-{runId}]").HasAttribute("disabled"));
        Assert.Equal("You started this run; self-approval is not allowed.", cut.Find($"[data-testid=inbox-why-{runId}]").TextContent);
        Assert.False(cut.Find($"[data-testid=inbox-reject-{runId}]").HasAttribute("disabled"));
    }

    [Fact]
    public void Render_DisablesBothButtons_ForAViewer()
    {
        SignIn("vera", "viewer");
        inbox.Pending.Add(Request());

        var cut = RenderPage();

        Assert.True(cut.Find($"[data-testid=inbox-approve-{runId}]").HasAttribute("disabled"));
        Assert.True(cut.Find($"[data-testid=inbox-reject-{runId}]").HasAttribute("disabled"));
        Assert.Equal("Deciding needs the operator role; you are a viewer.", cut.Find($"[data-testid=inbox-why-{runId}]").TextContent);
    }

    [Fact]
    public void Render_SaysNothingWaits_WhenTheInboxIsEmpty()
    {
        SignIn("bob", "viewer", "operator");

        var cut = RenderPage();

        Assert.Contains("Nothing waits for approval", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Approve_OpensTheDialog_WithTheMessageAndPolicy_AndSendsTheDecisionWithTheUsersRoles()
    {
        SignIn("bob", "viewer", "operator");
        inbox.Pending.Add(Request());
        var cut = RenderPage();

        cut.Find($"[data-testid=inbox-approve-{runId}]").Click();
        var dialog = dialogs!;

        Assert.Equal("Deploy web-1 to production?", dialog.Find("[data-testid=decision-message]").TextContent.Trim());
        Assert.Contains("Approvers are group platform-admins", dialog.Find("[data-testid=decision-policy]").TextContent, StringComparison.Ordinal);
        dialog.Find("[data-testid=decision-confirm]").Click();
        var (id, step, decision) = Assert.Single(Commands.Decisions);
        Assert.Equal((runId, "gate", true, "bob"), (id, step, decision.Approved, decision.Actor));
        Assert.Equal(["viewer", "operator"], decision.Roles);
    }

    [Fact]
    public void DecisionDialog_DisablesApprove_AndSaysWhy_WhenTheRequestRefusesTheUser()
    {
        RenderPopovers();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        provider.InvokeAsync(() => dialogs.ShowAsync<DecisionDialog>("Approve", new DialogParameters<DecisionDialog>
        {
            { d => d.RunId, runId },
            { d => d.StepId, "gate" },
            { d => d.Approve, true },
            { d => d.Request, Request() with { CanApprove = false, WhyNot = "Approvers are group platform-admins; bob is none of them." } },
        }));

        Assert.True(provider.Find("[data-testid=decision-confirm]").HasAttribute("disabled"));
        Assert.Equal("Approvers are group platform-admins; bob is none of them.", provider.Find("[data-testid=decision-why]").TextContent.Trim());
        Assert.Empty(Commands.Decisions);
    }

    [Fact]
    public void RunStatusChip_SaysWaitingForApproval_InWords()
    {
        var cut = Render<RunStatusChip>(p => p.Add(c => c.Status, RunStatus.WaitingForApproval));

        Assert.Contains("Waiting for approval", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("WaitingForApproval", cut.Find("[data-testid=run-status]").GetAttribute("data-status"));
    }

    private PendingApproval Request() => new()
    {
        RunId = runId,
        Workflow = "rollout-app",
        StepId = "gate",
        Message = "Deploy web-1 to production?",
        RequestedBy = "alice",
        Since = TestData.T0,
        ExpiresAt = TestData.T0.AddHours(24),
        Required = 1,
        Policy = "Approvers are group platform-admins; 1 approval is needed; the run's starter may not approve it; rejected when it expires.",
        Approvers = "group platform-admins",
        CanApprove = true,
        CanReject = true,
    };

    private IRenderedComponent<MudDialogProvider>? dialogs;

    private IRenderedComponent<ApprovalsPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<ApprovalsPage>();
    }

    private sealed class FakeApprovalQueries : IApprovalQueries
    {
        public List<PendingApproval> Pending { get; } = [];

        public List<Approver> Callers { get; } = [];

        public Task<IReadOnlyList<PendingApproval>> ListPendingAsync(Approver caller, CancellationToken cancellationToken = default)
        {
            Callers.Add(caller);
            return Task.FromResult<IReadOnlyList<PendingApproval>>(Pending.ToList());
        }

        public Task<PendingApproval?> GetPendingAsync(Guid runId, string stepId, Approver caller, CancellationToken cancellationToken = default) =>
            Task.FromResult(Pending.FirstOrDefault(p => p.RunId == runId && p.StepId == stepId));
    }
}
