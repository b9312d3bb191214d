using System.Text.Json.Nodes;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Expressions;

namespace Workflows.Engine.Tests.Expressions;

public class TemplateTests
{
    private static readonly JsonScope Scope = new(new JsonObject
    {
        ["inputs"] = new JsonObject { ["n"] = 3L, ["name"] = "web", ["on"] = true, ["pw"] = JsonValue.Create(new Secret("hunter2")) },
        ["steps"] = new JsonObject { ["a"] = new JsonObject { ["outputs"] = new JsonObject { ["id"] = "srv-1", ["ips"] = new JsonArray("10.0.0.5"), ["meta"] = new JsonObject { ["full_name"] = "o/r" } } } },
        ["run"] = new JsonObject { ["id"] = "r1" },
    });

    private static JsonNode? Eval(string t) => Template.Parse(t).Evaluate(Scope);

    [Fact]
    public void Evaluate_KeepsType_WhenTextIsOneExpression()
    {
        Assert.Equal(3L, Eval("${{ inputs.n }}")!.GetValue<long>());
        Assert.True(Eval(" ${{ inputs.on }} ")!.GetValue<bool>());
        Assert.IsType<JsonArray>(Eval("${{ steps.a.outputs.ips }}"));
    }

    [Fact]
    public void Evaluate_Interpolates_WhenExpressionsSitInText()
    {
        Assert.Equal("vm-web-3 in r1", Eval("vm-${{ inputs.name }}-${{ inputs.n }} in ${{ run.id }}")!.GetValue<string>());
        Assert.Equal("10.0.0.5", Eval("${{ steps.a.outputs.ips[0] }}")!.GetValue<string>());
        Assert.Equal("o/r", Eval("${{ steps.a.outputs.meta['full_name'] }}")!.GetValue<string>());
    }

    [Theory]
    [InlineData("${{ inputs.n == 3 }}", true)]
    [InlineData("${{ inputs.n != 3 }}", false)]
    [InlineData("${{ inputs.n >= 3 && inputs.name == 'web' }}", true)]
    [InlineData("${{ inputs.n > 3 || !inputs.on }}", false)]
    [InlineData("${{ !(inputs.n < 2) }}", true)]
    [InlineData("${{ startsWith(steps.a.outputs.id, 'srv-') }}", true)]
    [InlineData("${{ contains(steps.a.outputs.ips, '10.0.0.5') }}", true)]
    [InlineData("${{ endsWith(inputs.name, 'x') }}", false)]
    [InlineData("${{ inputs.missing == null }}", true)]
    public void Evaluate_ComputesConditions(string text, bool expected) =>
        Assert.Equal(expected, Expression.IsTruthy(Eval(text)));

    [Fact]
    public void Evaluate_MarksTextSecret_WhenItEmbedsASecret()
    {
        var v = Eval("user:${{ inputs.pw }}");
        Assert.True(((JsonValue)v!).TryGetValue(out Secret? s));
        Assert.Equal("user:hunter2", s!.Reveal());
    }

    [Theory]
    [InlineData("${{ inputs.n == }}", 16)]
    [InlineData("${{ 'open }}", 4)]
    [InlineData("${{ inputs. }}", 11)]
    [InlineData("x ${{ inputs.n", 2)]
    [InlineData("${{ nope(1, 2) }}", 4)]
    public void Parse_ReportsPosition_OnSyntaxErrors(string text, int position)
    {
        var e = Assert.Throws<ExpressionException>(() => Template.Parse(text));
        Assert.Equal(position, e.Position);
    }
}
