using Workflows.Abstractions.Definitions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Tests.Definitions;

public class DagTests
{
    private static StepDefinition S(string id, params string[] needs) => new() { Id = id, Uses = "x", Needs = needs };

    [Fact]
    public void TopologicalOrder_PutsEveryStepAfterItsNeeds()
    {
        var steps = new[] { S("d", "b", "c"), S("b", "a"), S("a"), S("c", "a") };
        var order = Dag.TopologicalOrder(steps).Select(s => s.Id).ToList();
        Assert.Equal(["a", "b", "c", "d"], order);
    }

    [Fact]
    public void Ancestors_IncludesTransitiveNeeds()
    {
        var steps = new[] { S("a"), S("b", "a"), S("c", "b"), S("x") };
        Assert.Equal(new HashSet<string> { "a", "b" }, Dag.Ancestors(steps, "c"));
        Assert.Empty(Dag.Ancestors(steps, "x"));
    }

    [Fact]
    public void FindCycle_ReturnsNull_WhenAcyclic_AndTheCycleOtherwise()
    {
        Assert.Null(Dag.FindCycle([S("a"), S("b", "a")]));
        var cycle = Dag.FindCycle([S("a", "b"), S("b", "a")]);
        Assert.NotNull(cycle);
        Assert.Equal(2, cycle!.Count);
    }
}
