using System.Text;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Execution;

namespace Workflows.Engine.Tests.Execution;

public sealed class StepInputsTests
{
    private const string Planted = "Planted-Secret-91c2e";

    [Fact]
    public void Snapshot_MasksSecrets_AndKeepsAnEmptySecretEmpty()
    {
        var evaluated = new JsonObject
        {
            ["password"] = JsonValue.Create(new Secret(Planted)),
            ["none"] = JsonValue.Create(new Secret("")),
            ["nested"] = new JsonObject { ["list"] = new JsonArray(JsonValue.Create(new Secret(Planted)), "plain") },
            ["host"] = "db1",
        };

        var json = StepInputs.Snapshot(evaluated, new Redactor([Planted]));

        Assert.Equal("""{"password":"***","none":"","nested":{"list":["***","plain"]},"host":"db1"}""", json);
    }

    [Fact]
    public void Snapshot_RedactsWhatTheRedactorKnows_InTextNumbersAndNames()
    {
        var evaluated = new JsonObject
        {
            ["url"] = $"https://admin:{Planted}@example.test",
            ["pin"] = 739146,
            [Planted] = "a name that spells a secret",
            ["count"] = 3,
        };

        var json = StepInputs.Snapshot(evaluated, new Redactor([Planted, "739146"]));

        Assert.Equal("""{"url":"https://admin:***@example.test","pin":"***","***":"a name that spells a secret","count":3}""", json);
    }

    [Fact]
    public void Snapshot_WritesJsonUnescaped()
    {
        var json = StepInputs.Snapshot(new JsonObject { ["cert"] = "a+b <c> & 'd' é" }, Redactor.None);

        Assert.Equal("""{"cert":"a+b <c> & 'd' é"}""", json);
    }

    [Fact]
    public void Snapshot_CutsTheLargestValues_WhenOverTheCap_SayingHowBigTheyWere()
    {
        var big = new string('x', 100_000);
        var evaluated = new JsonObject { ["small"] = "keep me", ["big"] = big, ["nested"] = new JsonObject { ["more"] = new string('y', 10_000) } };

        var json = StepInputs.Snapshot(evaluated, Redactor.None);

        Assert.True(Encoding.UTF8.GetByteCount(json) <= StepInputs.MaxSnapshotBytes);
        var o = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("keep me", o["small"]!.GetValue<string>());
        Assert.Equal(new string('x', StepInputs.TruncatedValueLength) + "… (truncated, 100002 bytes)", o["big"]!.GetValue<string>());
        Assert.Equal(10_000, o["nested"]!["more"]!.GetValue<string>().Length); // it fits once the big one is cut
    }

    [Fact]
    public void Snapshot_LeavesOutTheLastInputs_WhenCuttingValuesIsNotEnough()
    {
        var evaluated = new JsonObject();
        for (var i = 0; i < 200; i++)
        {
            evaluated[$"input{i:000}"] = new string('z', 2_000);
        }

        var json = StepInputs.Snapshot(evaluated, Redactor.None);

        Assert.True(Encoding.UTF8.GetByteCount(json) <= StepInputs.MaxSnapshotBytes);
        var o = JsonNode.Parse(json)!.AsObject();
        Assert.StartsWith("zzz", o["input000"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("… (truncated, 2002 bytes)", o["input000"]!.GetValue<string>(), StringComparison.Ordinal);
        var left = o["…"]!.GetValue<string>();
        Assert.Matches(@"^\(truncated: \d+ more inputs\)$", left);
        Assert.Equal(200, o.Count - 1 + int.Parse(left.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
