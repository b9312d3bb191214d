using Bunit;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunTimelineTests : PortalTestContext
{
    public static TheoryData<StepStatus> AllStatuses() => new(Enum.GetValues<StepStatus>());

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void Render_ShowsStepWithItsState_ForEveryStepStatus(StepStatus status)
    {
        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", status)]).Add(t => t.Now, TestData.T0.AddMinutes(1)));

        var row = cut.Find("[data-testid=step-server]");
        Assert.Equal(status.ToString(), row.GetAttribute("data-status"));
        Assert.Equal(status.ToString(), row.QuerySelector("[data-testid=step-status]")!.GetAttribute("data-status"));
        Assert.Contains(status.ToString(), row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BringsTheFailedStepIntoView_OncePerFailedStep_AndNeverForADefinition()
    {
        var steps = Enumerable.Range(1, 30).Select(i => TestData.Step($"s{i}", i < 27 ? StepStatus.Succeeded : i == 27 ? StepStatus.Failed : StepStatus.Pending, i == 1 ? Array.Empty<string>() : new[] { $"s{i - 1}" })).ToList();

        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, steps));
        cut.Render(p => p.Add(t => t.Steps, steps).Add(t => t.Now, TestData.T0.AddMinutes(2)));

        var reveal = Assert.Single(JSInterop.Invocations["workflowsPortal.revealStep"]);
        Assert.Equal("s27", reveal.Arguments[0]);
        Assert.Equal("Failed", cut.Find("[data-step-node=s27] [data-testid=step-s27]").GetAttribute("data-status"));

        Render<RunTimeline>(p => p.Add(t => t.Steps, steps).Add(t => t.Definition, true));
        Assert.Single(JSInterop.Invocations["workflowsPortal.revealStep"]);
    }

    [Fact]
    public void Render_ShowsAttemptsAndDuration_WhenStepHasRun()
    {
        var step = TestData.Step("server", StepStatus.Succeeded) with { Attempt = 2, MaxAttempts = 3 };

        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [step]));

        Assert.Equal("attempt 2/3", cut.Find("[data-testid=step-server] [data-testid=step-attempts]").TextContent);
        Assert.Equal("42s", cut.Find("[data-testid=step-server] [data-testid=step-duration]").TextContent);
    }

    [Fact]
    public void Depths_PlacesFanOutTogetherAndJoinAfter_WhenStepsNeedEachOther()
    {
        var depths = RunTimeline.Depths(
        [
            TestData.Step("server", StepStatus.Succeeded),
            TestData.Step("ip", StepStatus.Running, "server"),
            TestData.Step("volume", StepStatus.Running, "server"),
            TestData.Step("ready", StepStatus.Pending, "ip", "volume"),
        ]);

        Assert.Equal(0, depths["server"]);
        Assert.Equal(1, depths["ip"]);
        Assert.Equal(1, depths["volume"]);
        Assert.Equal(2, depths["ready"]);
    }

    [Fact]
    public void Render_ShowsCompensationsApart_WhenRunCompensated()
    {
        var compensation = TestData.Step("compensate:server", StepStatus.Succeeded) with { IsCompensation = true };

        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", StepStatus.Compensated), compensation]));

        var card = cut.Find("[data-testid=compensation-timeline] [data-testid='step-compensate:server']");
        Assert.Equal("true", card.GetAttribute("data-compensation"));
        Assert.Contains("wf-compensation", card.ClassList);
    }

    [Fact]
    public void Click_RaisesStepSelected_WithTheStep()
    {
        StepView? selected = null;
        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", StepStatus.Failed)]).Add(t => t.StepSelected, s => selected = s));

        cut.Find("[data-testid=step-server]").Click();

        Assert.Equal("server", selected?.StepId);
    }

    [Fact]
    public void Render_DrawsAnSvgEdgeForEveryNeed()
    {
        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps,
        [
            TestData.Step("server", StepStatus.Succeeded),
            TestData.Step("devstack", StepStatus.Failed, "server"),
            TestData.Step("ip", StepStatus.Pending, "devstack", "server"),
        ]));

        Assert.NotNull(cut.Find("svg [data-testid=edge-server-devstack]"));
        Assert.NotNull(cut.Find("svg [data-testid=edge-server-ip]"));
        Assert.Contains("wf-dag-edge-failed", cut.Find("[data-testid=edge-devstack-ip]").GetAttribute("class"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_KeepsFullNameAndNeedsInTooltip_WhenNameIsLong()
    {
        var step = TestData.Step("credentials-for-the-magnum-cluster", StepStatus.Running, "server");

        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", StepStatus.Succeeded), step]));

        var card = cut.Find("[data-testid=step-credentials-for-the-magnum-cluster]");
        Assert.Equal("credentials-for-the-magnum-cluster", card.QuerySelector(".wf-step-title")!.TextContent);
        Assert.Contains("needs server", card.GetAttribute("title"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Enter")]
    [InlineData(" ")]
    public void Key_RaisesStepSelected_WhenEnterOrSpace(string key)
    {
        StepView? selected = null;
        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", StepStatus.Failed)]).Add(t => t.StepSelected, s => selected = s));

        cut.Find("[data-testid=step-server]").KeyDown(key);

        Assert.Equal("server", selected?.StepId);
    }

    [Fact]
    public void Render_HidesProgress_WhenStepHasFinished()
    {
        var cut = Render<RunTimeline>(p => p.Add(t => t.Steps, [TestData.Step("server", StepStatus.Succeeded) with { Progress = "BUILD" }]));

        Assert.Empty(cut.FindAll("[data-testid=step-progress]"));
    }
}
