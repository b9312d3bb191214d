using System.Text.Json.Nodes;
using Workflows.Abstractions.Yaml;

namespace Workflows.Abstractions.Tests.Yaml;

public sealed class YamlReaderShapeTests
{
    [Theory]
    [InlineData("v:", YamlShape.Empty)]
    [InlineData("v: ~", YamlShape.Empty)]
    [InlineData("v: null", YamlShape.Empty)]
    [InlineData("v: \"\"", YamlShape.Scalar)]
    [InlineData("v: 'null'", YamlShape.Scalar)]
    [InlineData("v: text", YamlShape.Scalar)]
    [InlineData("v: [a]", YamlShape.List)]
    [InlineData("v: []", YamlShape.List)]
    [InlineData("v: {}", YamlShape.Mapping)]
    [InlineData("v: { a: 1 }", YamlShape.Mapping)]
    [InlineData("w: 1", YamlShape.Missing)]
    public void ShapeOf_TellsWhatTheValueIs(string yaml, YamlShape expected)
    {
        var root = YamlReader.Parse(yaml)!;

        Assert.Equal(expected, YamlReader.ShapeOf(YamlReader.Find(root, "v")));
    }

    [Fact]
    public void Find_MatchesTheKeysText_WhateverItsQuotingOrTag()
    {
        var root = YamlReader.Parse("\"a\": 1\n!!str b: 2\n")!;

        Assert.Equal("1", YamlReader.TextOf(YamlReader.Find(root, "a")));
        Assert.Equal("2", YamlReader.TextOf(YamlReader.Find(root, "b")));
        Assert.Null(YamlReader.Find(root, "c"));
    }

    [Fact]
    public void Scalars_YieldsEveryLeafWithItsPathAndPosition_InDocumentOrder()
    {
        var root = YamlReader.Parse("with:\n  env: { A: x, B: [1, 2] }\n  image: nginx\n")!;

        var leaves = YamlReader.Scalars(YamlReader.Find(root, "with"), "steps[a].with")
            .Select(s => $"{s.Path}={s.Text}@{s.Node.Start.Line}:{s.Node.Start.Column}")
            .ToList();

        Assert.Equal(["steps[a].with.env.A=x@2:13", "steps[a].with.env.B[0]=1@2:20", "steps[a].with.env.B[1]=2@2:23", "steps[a].with.image=nginx@3:10"], leaves);
    }

    [Fact]
    public void ToJson_ReadsPlainValuesAsYamlCoreSchema_AndQuotedOrStrTaggedOnesAsText()
    {
        var root = YamlReader.Parse("a: 3\nb: '3'\nc: true\nd: ~\ne: 1.5\nf: [x, 2]\ng: { h: False }\ni: .inf\nj: 0x1F\nk: !!str 5\nl: 1.5e3\nm: 1_000\nn: yes\n")!;

        var json = (JsonObject)YamlReader.ToJson(root)!;

        Assert.Equal("""{"a":3,"b":"3","c":true,"d":null,"e":1.5,"f":["x",2],"g":{"h":false},"i":".inf","j":31,"k":"5","l":1500,"m":"1_000","n":"yes"}""", json.ToJsonString());
    }

    [Fact]
    public void CheckKeys_ReportsEachUnknownKeyAtTheKey_WithTheClosestAllowedOne()
    {
        var root = YamlReader.Parse("steps:\n  - id: a\n    retyr: { attempts: 2 }\n    zzz: 1\n")!;
        var reader = new YamlReader();
        var step = reader.Items(YamlReader.Find(root, "steps")!, "steps").Single();

        reader.CheckKeys(step.Node, step.Path, ["id", "uses", "retry"]);

        Assert.Equal(
            [
                new YamlProblem("steps[0].retyr", "unknown field 'retyr' (did you mean 'retry'?); allowed: id, uses, retry", 3, 5),
                new YamlProblem("steps[0].zzz", "unknown field 'zzz'; allowed: id, uses, retry", 4, 5),
            ],
            reader.Problems);
    }

    [Fact]
    public void ParseDocuments_ReturnsEveryDocument_AndChecksTheKeysOfEach()
    {
        Assert.Equal(["a", "b"], YamlReader.ParseDocuments("x: a\n---\nx: b\n").Select(d => YamlReader.TextOf(YamlReader.Find(d, "x"))));
        Assert.Empty(YamlReader.ParseDocuments("# nothing\n"));

        var ex = Assert.Throws<YamlReadException>(() => YamlReader.ParseDocuments("x: a\n---\ny:\n  ? [1]\n  : 2\n"));

        Assert.Equal("y: every key must be a plain value (line 4, column 5)", ex.Message);
    }

    [Fact]
    public void CheckKeys_NeitherReportsNorListsTheIgnoredKeys()
    {
        var root = YamlReader.Parse("id: a\nx-note: free\nbuild: .\nbiuld: .\n")!;
        var reader = new YamlReader();

        reader.CheckKeys(root, string.Empty, ["id", "image"], ignore: key => key.StartsWith("x-", StringComparison.Ordinal) || key == "build");

        Assert.Equal([new YamlProblem("biuld", "unknown field 'biuld'; allowed: id, image", 4, 1)], reader.Problems);
    }

    [Theory]
    [InlineData("retyr", "retry")] // two letters swapped count as one edit
    [InlineData("Timeout", "timeout")] // case is ignored
    [InlineData("nmae", "name")]
    [InlineData("compensation", "compensate")]
    [InlineData("fi", "if")]
    [InlineData("di", "id")]
    public void Closest_FindsTheIntendedKey_ForCommonSlips(string typed, string expected) =>
        Assert.Equal(expected, YamlReader.Closest(typed, ["id", "name", "uses", "if", "retry", "timeout", "compensate"]));

    [Theory]
    [InlineData("-5")] // every character differs from 'ip'
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("completely-different")]
    public void Closest_SuggestsNothing_WhenNoCandidateIsClose(string typed) =>
        Assert.Null(YamlReader.Closest(typed, ["ip", "int", "max", "string", "secret"]));

    [Fact]
    public void DidYouMean_IsEmpty_ForAValueLongerThanAnyoneMistypes() =>
        Assert.Equal(string.Empty, YamlReader.DidYouMean(new string('a', 65), [new string('a', 64)]));

    [Fact]
    public void Entries_GiveTheKeyNode_SoAProblemWithTheKeyPointsAtIt()
    {
        var root = YamlReader.Parse("inputs:\n  bad name: string\n")!;
        var reader = new YamlReader();

        var entry = reader.Entries(YamlReader.Find(root, "inputs")!, "inputs").Single();

        Assert.Equal("inputs.bad name", entry.Path);
        Assert.Equal(2, YamlReader.LineOf(entry.KeyNode));
        Assert.Equal(3, (int)entry.KeyNode!.Start.Column);
    }

    [Fact]
    public void Count_IsTheNumberOfItemsOrEntries()
    {
        var root = YamlReader.Parse("a: [1, 2, 3]\nb: { x: 1 }\nc: text\n")!;

        Assert.Equal(3, YamlReader.Count(YamlReader.Find(root, "a")));
        Assert.Equal(1, YamlReader.Count(YamlReader.Find(root, "b")));
        Assert.Equal(0, YamlReader.Count(YamlReader.Find(root, "c")));
        Assert.Equal(3, YamlReader.Count(root));
    }
}
