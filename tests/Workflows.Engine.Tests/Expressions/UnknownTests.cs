using System.Text.Json.Nodes;
using Workflows.Engine.Expressions;

namespace Workflows.Engine.Tests.Expressions;

/// <summary>Values a plan does not know yet flow through expressions like Terraform's (known after apply).</summary>
public class UnknownTests
{
    private static readonly JsonScope Scope = new(new JsonObject
    {
        ["inputs"] = new JsonObject { ["n"] = 3L, ["name"] = "web", ["on"] = true, ["off"] = false },
        ["steps"] = new JsonObject { ["server"] = Unknown.Node("server"), ["net"] = Unknown.Node("net") },
        ["run"] = new JsonObject { ["id"] = Unknown.Node(Unknown.RunStart) },
    });

    private static JsonNode? Eval(string t) => Template.Parse(t).Evaluate(Scope);

    private static string When(JsonNode? v) => Unknown.Is(v, out var u) ? u.When : $"known: {v?.ToJsonString()}";

    [Fact]
    public void Evaluate_IsUnknownAfterTheStep_ForAPathBelowAStepThatHasNotRun()
    {
        Assert.Equal("known after `server`", When(Eval("${{ steps.server.outputs.addresses[0] }}")));
    }

    [Fact]
    public void Evaluate_IsUnknown_ForTextBuiltFromAnUnknown()
    {
        Assert.Equal("(known after `server`)", Expression.ToText(Eval("vm-${{ steps.server.outputs.id }}-${{ inputs.name }}")));
    }

    [Fact]
    public void Evaluate_MergesWhenItIsKnown_OverSeveralUnknowns()
    {
        Assert.Equal("known after `server` and `net`; known when the run starts", When(Eval("${{ steps.server.outputs.id == steps.net.outputs.id || run.id == 'x' }}")));
    }

    [Fact]
    public void Evaluate_IsFalse_ForUnknownAndFalse_WhateverTheUnknownTurnsOutToBe()
    {
        Assert.False(Eval("${{ steps.server.outputs.ok && inputs.off }}")!.GetValue<bool>());
    }

    [Fact]
    public void Evaluate_IsTrue_ForUnknownOrTrue()
    {
        Assert.True(Eval("${{ steps.server.outputs.ok || inputs.on }}")!.GetValue<bool>());
    }

    [Fact]
    public void Evaluate_StaysUnknown_ThroughNotComparisonsAndFunctions()
    {
        Assert.Equal("known after `server`", When(Eval("${{ !steps.server.outputs.ok }}")));
        Assert.Equal("known after `server`", When(Eval("${{ inputs.n > steps.server.outputs.count }}")));
        Assert.Equal("known after `server`", When(Eval("${{ startsWith(steps.server.outputs.name, 'web') }}")));
    }

    [Fact]
    public void EvaluateTree_KeepsKnownValues_BesideUnknownOnes()
    {
        var tree = (JsonObject)Template.EvaluateTree(new JsonObject { ["name"] = "${{ inputs.name }}", ["serverId"] = "${{ steps.server.outputs.id }}" }, Scope)!;

        Assert.Equal("web", (string?)tree["name"]);
        Assert.True(Unknown.Within(tree));
        Assert.Equal("(known after `server`)", JsonNode.Parse(tree["serverId"]!.ToJsonString())!.GetValue<string>());
    }
}
