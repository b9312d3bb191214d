using Bunit;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunActionsTests : PortalTestContext
{
    private static readonly StepView WaitingApproval = TestData.Step("approve", StepStatus.Waiting) with { Uses = RunActions.ApprovalAction };

    [Theory]
    [InlineData(RunStatus.Running, true, false, false)]
    [InlineData(RunStatus.Queued, true, false, false)]
    [InlineData(RunStatus.Failed, false, true, true)]
    [InlineData(RunStatus.Cancelled, false, true, true)]
    [InlineData(RunStatus.Succeeded, false, false, true)]
    [InlineData(RunStatus.Compensating, false, false, false)]
    public void Render_EnablesButtonsByRunState_WhenUserIsOperator(RunStatus status, bool cancel, bool retry, bool runAgain)
    {
        var cut = RenderActions(status, canOperate: true);

        Assert.Equal(cancel, IsEnabled(cut, "cancel-run"));
        Assert.Equal(retry, IsEnabled(cut, "retry-run"));
        Assert.Equal(runAgain, IsEnabled(cut, "run-again"));
    }

    [Theory]
    [InlineData(RunStatus.Running)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Succeeded)]
    public void Render_DisablesEveryButton_WhenUserIsViewer(RunStatus status)
    {
        var cut = RenderActions(status, canOperate: false, WaitingApproval);

        Assert.All(cut.FindAll("button"), b => Assert.True(b.HasAttribute("disabled"), b.OuterHtml));
        Assert.NotNull(cut.Find("[data-testid=read-only]"));
    }

    [Fact]
    public void Render_ShowsEnabledApproveAndReject_WhenApprovalStepWaitsAndUserIsOperator()
    {
        var cut = RenderActions(RunStatus.Running, canOperate: true, WaitingApproval, TestData.Step("other", StepStatus.Waiting));

        Assert.True(IsEnabled(cut, "approve-approve"));
        Assert.True(IsEnabled(cut, "reject-approve"));
        Assert.Empty(cut.FindAll("[data-testid=approve-other]"));
    }

    [Fact]
    public void Render_HidesApproveAndReject_WhenNoApprovalStepWaits()
    {
        var cut = RenderActions(RunStatus.Running, canOperate: true, WaitingApproval with { Status = StepStatus.Succeeded });

        Assert.Empty(cut.FindAll("[data-testid^=approve-]"));
    }

    [Fact]
    public void Click_RaisesApproveClicked_WithTheApprovalStep()
    {
        StepView? approved = null;
        var cut = Render<RunActions>(p => p
            .Add(a => a.Run, TestData.Summary(Guid.NewGuid(), "wf", RunStatus.Running))
            .Add(a => a.Steps, [WaitingApproval])
            .Add(a => a.CanOperate, true)
            .Add(a => a.ApproveClicked, s => approved = s));

        cut.Find("[data-testid=approve-approve]").Click();

        Assert.Equal("approve", approved?.StepId);
    }

    private static bool IsEnabled(IRenderedComponent<RunActions> cut, string testId) =>
        !cut.Find($"[data-testid={testId}]").HasAttribute("disabled");

    private IRenderedComponent<RunActions> RenderActions(RunStatus status, bool canOperate, params StepView[] steps) =>
        Render<RunActions>(p => p
            .Add(a => a.Run, TestData.Summary(Guid.NewGuid(), "wf", status))
            .Add(a => a.Steps, steps)
            .Add(a => a.CanOperate, canOperate));
}
