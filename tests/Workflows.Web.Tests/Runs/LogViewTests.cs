using Bunit;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class LogViewTests : PortalTestContext
{
    private readonly Guid runId = Guid.NewGuid();

    [Fact]
    public void Render_ShowsEmptyState_WhenRunHasNoLog()
    {
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        Assert.NotNull(cut.Find("[data-testid=log-empty]"));
    }

    [Fact]
    public void Notification_AppendsOnlyNewChunks_WhenLogChunksArrive()
    {
        AddChunk(1, "cloning devstack\n");
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Live, true));
        Assert.Equal("1", cut.Find("[data-testid=log-view]").GetAttribute("data-lines"));

        AddChunk(2, "running stack.sh\nstep 1 of ");
        AddChunk(3, "42\n");
        Notifications.Raise(new RunNotification(runId, "log"));

        Assert.Equal(["cloning devstack", "running stack.sh", "step 1 of 42"], Texts(cut));
        Assert.Equal([0L, 1L], Queries.LogCalls.Select(c => c.After));
    }

    [Fact]
    public void Tick_AppendsNewChunks_WhenAnotherServerWroteThem()
    {
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Live, true));

        AddChunk(1, "written elsewhere\n");
        Clock.Advance(TimeSpan.FromSeconds(2));

        // The tick is handed to the renderer's dispatcher, which may still be finishing the first render's after-render work.
        cut.WaitForAssertion(() => Assert.Equal(["written elsewhere"], Texts(cut)));
    }

    [Fact]
    public void Search_ShowsOnlyMatchingLinesHighlighted()
    {
        AddChunk(1, "alpha\nbeta\nalphabet\n");
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        cut.Find("[data-testid=log-search]").Input("alpha");

        Assert.Equal(["alpha", "alphabet"], Texts(cut));
        Assert.Equal(2, cut.FindAll("[data-testid=log-view] mark").Count);
        Assert.Equal("2 matching line(s)", cut.Find("[data-testid=log-matches]").TextContent);
    }

    [Fact]
    public void Dispose_Unsubscribes_WhenViewIsRemoved()
    {
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));
        Assert.Equal(1, Notifications.SubscriberCount);

        cut.Instance.Dispose();

        Assert.Equal(0, Notifications.SubscriberCount);
    }

    [Fact]
    public void Render_ShowsEachLinesTimeAndStep_WithUtcOnHover()
    {
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        Queries.Logs.Add(new LogChunk(2, "ip", TestData.T0.AddSeconds(3), "allocating\n"));

        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        var lines = cut.FindAll("[data-testid=log-line]");
        Assert.Equal("server", lines[0].QuerySelector(".wf-log-step")!.TextContent);
        Assert.Equal("ip", lines[1].QuerySelector(".wf-log-step")!.TextContent);
        var time = lines[1].QuerySelector("time")!;
        Assert.Equal("03:04:08", time.TextContent);
        Assert.Equal("2026-01-02 03:04:08 UTC", time.GetAttribute("title"));
    }

    [Fact]
    public void Render_ShowsTimesInTheBrowsersTimeZone_WhenItIsKnown()
    {
        JSInterop.Setup<string?>("workflowsPortal.timeZone").SetResult("Europe/Paris");
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));

        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        cut.WaitForAssertion(() => Assert.Equal("04:04:05", cut.Find("[data-testid=log-line] time").TextContent));
    }

    [Fact]
    public void ClickOnStep_ShowsOnlyThatStepsLines()
    {
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        Queries.Logs.Add(new LogChunk(2, "ip", TestData.T0, "allocating\n"));
        Queries.Logs.Add(new LogChunk(3, "server", TestData.T0, "ACTIVE\n"));
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        cut.FindAll("[data-testid=log-line] .wf-log-step")[0].Click();

        Assert.Equal(["creating", "ACTIVE"], Texts(cut));
    }

    [Fact]
    public void StepId_ShowsOnlyThatStepsLog_InTheStepDrawer()
    {
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        Queries.Logs.Add(new LogChunk(2, "ip", TestData.T0, "allocating\n"));

        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.StepId, "ip"));

        Assert.Equal(["allocating"], Texts(cut));
        Assert.Equal("ip", Queries.LogCalls[0].StepId);
    }

    [Fact]
    public void Render_MarksWhereATryAndTheCompensationBegin()
    {
        var retry = TestData.T0.AddMinutes(10);
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        Queries.Logs.Add(new LogChunk(2, "compensate:server", TestData.T0.AddMinutes(1), "deleting\n"));
        Queries.Logs.Add(new LogChunk(3, "server", retry.AddSeconds(1), "creating again\n"));
        var tries = new[] { new RunTry(1, TestData.T0, TestData.T0.AddMinutes(2), "compensated"), new RunTry(2, retry, null, null) };

        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Tries, tries));

        var rows = cut.FindAll("[data-testid=log-view] > div").Select(r => r.GetAttribute("data-testid") == "log-boundary" ? "== " + r.TextContent : r.QuerySelector(".wf-log-text")!.TextContent);
        Assert.Equal(["creating", "== Compensation", "deleting", "== Try 2", "creating again"], rows);
    }

    [Fact]
    public void Render_VirtualizesLongLogs_SoOnlyRowsInViewAreRendered()
    {
        for (var i = 1; i <= 50_000; i++)
        {
            Queries.Logs.Add(new LogChunk(i, "stack", TestData.T0, $"line {i}\n"));
        }

        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Live, true));

        var view = cut.Find("[data-testid=log-view]");
        Assert.Equal("50000", view.GetAttribute("data-lines"));
        Assert.Equal("true", view.GetAttribute("data-virtualized"));
        Assert.True(cut.FindAll("[data-testid=log-line]").Count < 1_000, "a virtualized log renders only the rows in view (plus overscan)");
    }

    [Fact]
    public void Download_WritesTimeAndStepOnEveryLine()
    {
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        cut.Find("[data-testid=log-download]").Click();

        var text = (string)JSInterop.Invocations["workflowsPortal.download"].Single().Arguments[1]!;
        Assert.Equal("2026-01-02T03:04:05.000Z [server] creating\n", text);
    }

    [Fact]
    public void Download_IsNamedAfterTheWorkflowTheShortIdAndTheStep()
    {
        Queries.Logs.Add(new LogChunk(1, "server", TestData.T0, "creating\n"));
        var whole = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Workflow, "boot-vm"));
        var step = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Workflow, "boot-vm").Add(l => l.StepId, "server"));

        whole.Find("[data-testid=log-download]").Click();
        step.Find("[data-testid=log-download]").Click();

        var names = JSInterop.Invocations["workflowsPortal.download"].Select(i => (string)i.Arguments[0]!).ToList();
        Assert.Equal([$"boot-vm-{runId.ToString()[..8]}-logs.txt", $"boot-vm-{runId.ToString()[..8]}-server-logs.txt"], names);
    }

    private static List<string> Texts(IRenderedComponent<LogView> cut) =>
        cut.FindAll("[data-testid=log-line] .wf-log-text").Select(e => e.TextContent).ToList();

    private void AddChunk(long seq, string text) => Queries.Logs.Add(new LogChunk(seq, "stack", TestData.T0, text));
}
