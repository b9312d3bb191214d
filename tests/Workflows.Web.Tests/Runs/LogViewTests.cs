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

        var log = cut.Find("[data-testid=log-view]");
        Assert.Equal("cloning devstack\nrunning stack.sh\nstep 1 of 42\n", log.TextContent);
        Assert.Equal([0L, 1L], Queries.LogCalls.Select(c => c.After));
    }

    [Fact]
    public void Tick_AppendsNewChunks_WhenAnotherServerWroteThem()
    {
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId).Add(l => l.Live, true));

        AddChunk(1, "written elsewhere\n");
        Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("written elsewhere\n", cut.Find("[data-testid=log-view]").TextContent);
    }

    [Fact]
    public void Search_ShowsOnlyMatchingLinesHighlighted()
    {
        AddChunk(1, "alpha\nbeta\nalphabet\n");
        var cut = Render<LogView>(p => p.Add(l => l.RunId, runId));

        cut.Find("[data-testid=log-search]").Input("alpha");

        Assert.Equal("alpha\nalphabet\n", cut.Find("[data-testid=log-view]").TextContent);
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

    private void AddChunk(long seq, string text) => Queries.Logs.Add(new LogChunk(seq, "stack", TestData.T0, text));
}
