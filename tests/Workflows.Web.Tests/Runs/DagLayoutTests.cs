using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class DagLayoutTests
{
    [Fact]
    public void For_DrawsAnEdgePerNeed_FromTheNeededStep()
    {
        var layout = DagLayout.For(
        [
            TestData.Step("server", StepStatus.Succeeded),
            TestData.Step("devstack", StepStatus.Succeeded, "server"),
            TestData.Step("ip", StepStatus.Running, "devstack", "server"),
        ]);

        Assert.Equal(
            ["server->devstack", "devstack->ip", "server->ip"],
            layout.Edges.Select(e => $"{e.From.Step.StepId}->{e.To.Step.StepId}"));
        Assert.Equal([0, 1, 2], layout.Nodes.Select(n => n.Layer));
    }

    [Fact]
    public void For_RunsLeftToRight_WhenGraphIsShallow()
    {
        var steps = Enumerable.Range(0, DagLayout.MaxColumns).Select(i => TestData.Step($"s{i}", StepStatus.Pending, i == 0 ? Array.Empty<string>() : [$"s{i - 1}"])).ToList();

        var layout = DagLayout.For(steps);

        Assert.Equal(DagOrientation.LeftToRight, layout.Orientation);
        Assert.All(layout.Nodes, n => Assert.InRange(layout.Centre(n).X, 0, 1));
    }

    [Fact]
    public void For_RunsTopToBottomWithinTheWidth_WhenChainHas30Steps()
    {
        var steps = Enumerable.Range(0, 30).Select(i => TestData.Step($"s{i}", StepStatus.Pending, i == 0 ? Array.Empty<string>() : [$"s{i - 1}"])).ToList();

        var layout = DagLayout.For(steps);

        Assert.Equal(DagOrientation.TopToBottom, layout.Orientation);
        Assert.Equal(30, layout.Layers);
        Assert.All(layout.Nodes, n => Assert.InRange(layout.Centre(n).X, 0, 1));
        Assert.True(layout.Top(layout.Nodes[29]) > layout.Top(layout.Nodes[28]));
    }

    [Fact]
    public void For_SpreadsFanOutOf10AcrossTheWidth_InOneLayer()
    {
        var steps = new List<StepView> { TestData.Step("root", StepStatus.Succeeded) };
        steps.AddRange(Enumerable.Range(0, 10).Select(i => TestData.Step($"leaf{i}", StepStatus.Running, "root")));
        steps.Add(TestData.Step("join", StepStatus.Pending, [.. Enumerable.Range(0, 10).Select(i => $"leaf{i}")]));

        var layout = DagLayout.For(steps);

        var leaves = layout.Nodes.Where(n => n.Layer == 1).ToList();
        Assert.Equal(10, leaves.Count);
        Assert.Equal(10, leaves.Select(layout.Top).Distinct().Count());
        Assert.Equal(20, layout.Edges.Count);
    }

    [Fact]
    public void For_OrdersALayerByItsNeeds_SoEdgesDoNotCross()
    {
        // b's child is listed first but sits under b; a's child under a.
        var layout = DagLayout.For(
        [
            TestData.Step("a", StepStatus.Pending),
            TestData.Step("b", StepStatus.Pending),
            TestData.Step("after-b", StepStatus.Pending, "b"),
            TestData.Step("after-a", StepStatus.Pending, "a"),
        ]);

        var slot = layout.Nodes.ToDictionary(n => n.Step.StepId, n => n.Slot);
        Assert.True(slot["after-a"] < slot["after-b"]);
    }
}
