using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Abstractions.Tests.Yaml;

public sealed class YamlReaderTests
{
    private enum Order
    {
        StopFirst,
        StartFirst,
    }

    [Fact]
    public void Int_ReportsThePathAndTheValuesLineAndColumn_WhenTheValueIsNotAnInteger()
    {
        var root = YamlReader.Parse("steps:\n  - name: a\n    retry:\n      attempts: many\n")!;
        var reader = new YamlReader();

        var attempts = Walk(reader, root, "steps", 0, "retry", "attempts");
        var value = reader.Int(attempts.Node, attempts.Path);

        Assert.Null(value);
        var problem = Assert.Single(reader.Problems);
        Assert.Equal(new YamlProblem("steps[0].retry.attempts", "must be a whole number", 4, 17), problem);
        Assert.Equal("steps[0].retry.attempts: must be a whole number (line 4, column 17)", problem.ToString());
    }

    [Fact]
    public void Getters_CollectEveryProblem_AndGoOn_WhenTheReaderCollects()
    {
        var root = YamlReader.Parse("a: [1]\nb: yes-ish\nc: 2.5\nd: { x: 1 }\n")!;
        var reader = new YamlReader();

        Assert.Null(reader.String(YamlReader.Find(root, "a")!, "a"));
        Assert.Null(reader.Bool(YamlReader.Find(root, "b")!, "b"));
        Assert.Null(reader.Int(YamlReader.Find(root, "c")!, "c"));
        Assert.Empty(reader.Strings(YamlReader.Find(root, "d")!, "d"));

        Assert.Equal(
            ["a: must be a single value, not a list or mapping (line 1, column 4)", "b: must be true or false (line 2, column 4)", "c: must be a whole number (line 3, column 4)", "d: must be a list (line 4, column 4)"],
            reader.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Getters_ThrowAtTheFirstProblem_WhenTheReaderThrows()
    {
        var root = YamlReader.Parse("clouds:\n  demo:\n    auth: text\n")!;
        var reader = new YamlReader(throwOnProblem: true);
        var demo = Assert.Single(reader.Entries(YamlReader.Find(root, "clouds")!, "clouds"));

        var ex = Assert.Throws<YamlReadException>(() => reader.Entries(YamlReader.Find(demo.Value, "auth")!, YamlReader.Child(demo.Path, "auth")).ToList());

        Assert.Equal("clouds.demo.auth: must be a mapping (line 3, column 11)", ex.Message);
        Assert.False(ex.IsSyntaxError);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Entries_AndItems_TreatAnEmptyValueAsEmpty_WithoutAProblem()
    {
        var root = YamlReader.Parse("a:\nb: ~\n")!;
        var reader = new YamlReader();

        Assert.Empty(reader.Entries(YamlReader.Find(root, "a")!, "a"));
        Assert.Empty(reader.Items(YamlReader.Find(root, "b")!, "b"));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Duration_ReportsTheParsersMessage_AtThePath()
    {
        var root = YamlReader.Parse("timeout: 5 parsecs\nok: 3s\n")!;
        var reader = new YamlReader();
        static TimeSpan Parse(string text) => text.EndsWith('s') && int.TryParse(text[..^1], out var s) ? TimeSpan.FromSeconds(s) : throw new FormatException($"'{text}' is not a duration such as 10s");

        Assert.Equal(TimeSpan.FromSeconds(3), reader.Duration(YamlReader.Find(root, "ok")!, "ok", Parse));
        Assert.Null(reader.Duration(YamlReader.Find(root, "timeout")!, "timeout", Parse));
        Assert.Equal("timeout: '5 parsecs' is not a duration such as 10s (line 1, column 10)", Assert.Single(reader.Problems).ToString());
    }

    [Fact]
    public void Enum_ReadsKebabAndSnakeSpellings_AndListsTheSpellings_WhenTheValueIsUnknown()
    {
        var root = YamlReader.Parse("a: stop-first\nb: START_FIRST\nc: sideways\n")!;
        var reader = new YamlReader();

        Assert.Equal(Order.StopFirst, reader.Enum<Order>(YamlReader.Find(root, "a")!, "a"));
        Assert.Equal(Order.StartFirst, reader.Enum<Order>(YamlReader.Find(root, "b")!, "b"));
        Assert.Null(reader.Enum<Order>(YamlReader.Find(root, "c")!, "c"));
        Assert.Equal("c: 'sideways' is not one of stop-first, start-first (line 3, column 4)", Assert.Single(reader.Problems).ToString());
    }

    [Fact]
    public void OneOf_AndInt_ReportTheAllowedValuesAndBounds()
    {
        var root = YamlReader.Parse("mode: both\nreplicas: -1\n")!;
        var reader = new YamlReader();

        Assert.Null(reader.OneOf(YamlReader.Find(root, "mode")!, "deploy.mode", "replicated", "global"));
        Assert.Null(reader.Int(YamlReader.Find(root, "replicas")!, "deploy.replicas", min: 0));
        Assert.Equal(["deploy.mode: 'both' is not one of replicated, global", "deploy.replicas: must be at least 0"], reader.Problems.Select(p => $"{p.Path}: {p.Message}"));
    }

    [Fact]
    public void StringsAndStringMap_NameTheItemThatIsNotASingleValue()
    {
        var root = YamlReader.Parse("list: [a, [b], c]\nmap: { k: v, n: { x: 1 } }\n")!;
        var reader = new YamlReader();

        Assert.Equal(["a", string.Empty, "c"], reader.Strings(YamlReader.Find(root, "list")!, "list"));
        Assert.Equal(new Dictionary<string, string> { ["k"] = "v", ["n"] = string.Empty }, reader.StringMap(YamlReader.Find(root, "map")!, "map"));
        Assert.Equal(["list[1]", "map.n"], reader.Problems.Select(p => p.Path));
    }

    [Theory]
    [InlineData("a: [unclosed\n", 2)]
    [InlineData("a:\n  b: { c: 1\n  d: 2\n", 2)]   // YamlDotNet throws InvalidOperationException here: the flow mapping opened on line 2
    [InlineData("a: 1\na: 2\n", 2)]
    public void Parse_FailsAsASyntaxError_WithTheLine_WhenTheTextIsNotYaml(string text, int line)
    {
        var ex = Assert.Throws<YamlReadException>(() => YamlReader.Parse(text));

        Assert.True(ex.IsSyntaxError);
        Assert.Equal(line, ex.Problem.Line);
        Assert.True(ex.Problem.Column > 0);
        Assert.DoesNotContain("Idx:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesAKeyThatIsNotAPlainValue_NamingWhereItIs()
    {
        var ex = Assert.Throws<YamlReadException>(() => YamlReader.Parse("services:\n  web:\n    ? [a, b]\n    : 1\n"));

        Assert.True(ex.IsSyntaxError);
        Assert.Equal("services.web: every key must be a plain value (line 3, column 7)", ex.Message);
    }

    [Fact]
    public void Parse_ReturnsNull_WhenTheTextHoldsNoDocument() =>
        Assert.Null(YamlReader.Parse("# only a comment\n"));

    private static (YamlNode Node, string Path) Walk(YamlReader reader, YamlNode node, params object[] steps)
    {
        var path = string.Empty;
        foreach (var step in steps)
        {
            (node, path) = step switch
            {
                string key => (YamlReader.Find(node, key)!, YamlReader.Child(path, key)),
                int index => reader.Items(node, path).ElementAt(index),
                _ => throw new ArgumentException("a key or an index", nameof(steps)),
            };
        }

        return (node, path);
    }
}
