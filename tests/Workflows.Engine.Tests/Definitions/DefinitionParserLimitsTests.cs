using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Tests.Definitions;

/// <summary>Hostile and broken files end as errors with a position, within <see cref="DefinitionLimits"/>.</summary>
public class DefinitionParserLimitsTests
{
    private const string File = "workflows/x.yaml";

    private const string Valid = """
        name: ok
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 1s }
        """;

    private static readonly ActionDescriptor[] Actions = [new("core.delay", typeof(DelayAction), typeof(DelayInputs), typeof(DelayOutputs))];

    private static DefinitionError Single(string yaml) => Assert.Single(Errors(new DefinitionParser(Actions).Parse(File, yaml)));

    private static DefinitionError Single(byte[] bytes) => Assert.Single(Errors(new DefinitionParser(Actions).Parse(File, bytes)));

    private static IReadOnlyList<DefinitionError> Errors(ParseResult r)
    {
        Assert.Null(r.Definition);
        Assert.All(r.Errors, e => Assert.True(e.Line >= 1 && e.Column >= 1, e.ToString()));
        return r.Errors;
    }

    [Fact]
    public void Parse_ReportsSyntaxError_WhenFlowMappingIsNotClosedBeforeTheLineEnds()
    {
        // The blocker of issue 11: YamlDotNet's scanner throws InvalidOperationException here.
        var e = Single("""
            name: broken
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 1s
              - id: next
                uses: core.delay
            """);

        Assert.Equal(File, e.File);
        Assert.StartsWith("YAML syntax", e.Message, StringComparison.Ordinal);
        Assert.InRange(e.Line, 5, 6);
    }

    [Fact]
    public void Parse_AcceptsTheValidFile_FromBytesWithAndWithoutBom()
    {
        Assert.NotNull(new DefinitionParser(Actions).Parse(File, Encoding.UTF8.GetBytes(Valid)).Definition);
        Assert.NotNull(new DefinitionParser(Actions).Parse(File, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Valid)]).Definition);
    }

    [Fact]
    public void Parse_RefusesAliasBomb_WithoutExpandingIt()
    {
        var yaml = new StringBuilder("name: lol\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        var e = Single(yaml + Valid[Valid.IndexOf("steps", StringComparison.Ordinal)..]);

        Assert.Contains("more than 100,000 YAML nodes", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, e.Line); // a5 would be 10^6 nodes
    }

    [Fact]
    public void Parse_AcceptsAliases_ThatStayWithinTheLimit()
    {
        var r = new DefinitionParser(Actions).Parse(File, """
            name: anchors
            steps:
              - id: a
                uses: core.delay
                with: &wait { duration: 1s }
              - id: b
                uses: core.delay
                with: *wait
            """);

        Assert.Empty(r.Errors);
    }

    [Theory]
    [InlineData("[", 10_000)]
    [InlineData("{a: ", 10_000)]
    public void Parse_RefusesDeepNesting(string opener, int depth)
    {
        var e = Single("name: deep\nx: " + string.Concat(Enumerable.Repeat(opener, depth)) + "\n");

        Assert.Contains("nested more than 64 levels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesDeepNesting_ByIndentation()
    {
        var e = Single("name: deep\n" + string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i) + "k:\n")));

        Assert.Contains("nested more than 64 levels", e.Message, StringComparison.Ordinal);
        Assert.Equal(66, e.Line);
    }

    [Fact]
    public void Parse_RefusesAFileOverOneMebibyte()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid + "\n# " + new string('x', DefinitionLimits.MaxFileBytes) + "\n");

        var e = Single(bytes);

        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Contains("at most 1,048,576", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsTheFirstInvalidUtf8Byte_WithItsLineAndColumn()
    {
        byte[] bytes = [.. "name: ok\ndescription: caf"u8, 0xE9, .. "\n"u8];

        var e = Single(bytes);

        Assert.Equal((2, 17), (e.Line, e.Column));
        Assert.Contains("not UTF-8", e.Message, StringComparison.Ordinal);
        Assert.Contains("0xE9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesBinaryContent_AtTheFirstControlCharacter()
    {
        var e = Single(Encoding.UTF8.GetBytes("name: ok\nsteps: a\0b\n"));

        Assert.Equal((2, 9), (e.Line, e.Column));
        Assert.Contains("U+0000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesALoneSurrogate_InText()
    {
        var e = Single("name: ok\ndescription: \uD800x\n");

        Assert.Equal((2, 14), (e.Line, e.Column));
        Assert.Contains("surrogate", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: ok\n? [a, b]\n: c\n", "mapping key must be a plain value")]
    [InlineData("name: ok\nx: {[a]: 1}\n", "mapping key must be a plain value")]
    [InlineData("name: ok\nx: &l [a]\ny: {*l : 1}\n", "the alias '*l' is a list or mapping")]
    [InlineData("name: ok\nx: *nowhere\n", "refers to no anchor")]
    [InlineData("name: ok\nx: &r [*r]\n", "refers to no anchor")]
    [InlineData("name: ok\n---\nname: second\n", "second YAML document")]
    [InlineData("name: ok\nsteps:\n  - id: a\n    timeout: 30m\n:", "has no value")] // found by the fuzz test: YamlDotNet's tree loader threw ArgumentException
    public void Parse_RefusesYamlTheModelCannotHold(string yaml, string message)
    {
        var e = Single(yaml);

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${{ " + "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" + " }}", "nests more than 64 levels")]
    [InlineData("${{ 99999999999999999999 }}", "is not a whole number")]
    [InlineData("${{ 1.2.3 }}", "is not a number")]
    public void Parse_ReportsExpressionsTheEvaluatorCouldNotRun(string expression, string message)
    {
        var r = new DefinitionParser(Actions).Parse(File, $"""
            name: expr
            steps:
              - id: wait
                uses: core.delay
                with: {"{"} duration: "{expression}" {"}"}
            """);

        var e = Assert.Single(Errors(r), e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal("steps[wait].with.duration", e.Field);
    }

    [Fact]
    public void Parse_RefusesAnExpressionWithThousandsOfOperators()
    {
        var chain = string.Join(" && ", Enumerable.Repeat("true", 5000));

        var r = new DefinitionParser(Actions).Parse(File, $"name: chain\nsteps:\n  - id: a\n    uses: core.delay\n    if: \"{chain}\"\n    with: {{ duration: 1s }}\n");

        Assert.Contains(Errors(r), e => e.Field == "steps[a].if" && e.Message.Contains("more than 256", StringComparison.Ordinal) && e.Message.Length < 300);
    }

    [Fact]
    public void Parse_ReportsADurationTooLongForATimeSpan()
    {
        var r = new DefinitionParser(Actions).Parse(File, Valid + "\n    timeout: 99999999999999d\n");

        Assert.Contains(Errors(r), e => e.Field == "steps[wait].timeout" && e.Message.Contains("longer than any duration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"ok\\n\"")]
    [InlineData("\"ok\\ntwo\"")]
    public void Parse_RefusesANameWithANewline(string name)
    {
        var r = new DefinitionParser(Actions).Parse(File, Valid.Replace("name: ok", $"name: {name}", StringComparison.Ordinal));

        Assert.Contains(Errors(r), e => e.Field == "name");
    }

    [Fact]
    public void Parse_RefusesAStepListOverTheLimit()
    {
        var steps = string.Concat(Enumerable.Range(0, DefinitionLimits.MaxSteps + 1).Select(i => $"  - {{ id: s{i}, uses: core.delay, with: {{ duration: 1s }} }}\n"));

        var e = Single("name: many\nsteps:\n" + steps);

        Assert.Equal("steps", e.Field);
        Assert.Contains("at most 500", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_QuotesOnlyAPrefix_OfALongBadValue()
    {
        var e = Single(Valid.Replace("name: ok", "name: " + new string('X', 100_000), StringComparison.Ordinal));

        Assert.Equal("name", e.Field);
        Assert.Contains("(100,000 characters)", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 300, e.Message);
    }

    [Theory]
    [InlineData("a: { pattern: \"a)|(b\" }", "inputs.a.pattern", "not a valid regular expression")]
    [InlineData("a: { pattern: \"(?x)a#\" }", "inputs.a.pattern", "not a valid regular expression")]
    [InlineData("a: { maxLength: 0 }", "inputs.a.maxLength", "between 1 and")]
    [InlineData("a: { maxLength: 99999999 }", "inputs.a.maxLength", "between 1 and")]
    [InlineData("a: { maxLength: 3, default: abcd }", "inputs.a.default", "4 characters long; at most 3")]
    [InlineData("a: { pattern: \"[a-z]+\", default: \"abc\\n\" }", "inputs.a.default", "does not match the pattern")]
    [InlineData("a: { type: ip, default: \"10\" }", "inputs.a.default", "not an IPv4 or IPv6 address")]
    public void Parse_ChecksInputsWithTheSharedRules(string input, string field, string message)
    {
        var r = new DefinitionParser(Actions).Parse(File, Valid.Replace("steps:", $"inputs:\n  {input}\nsteps:", StringComparison.Ordinal));

        Assert.Contains(Errors(r), e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_KeepsMaxLength_OnTheInput()
    {
        var r = new DefinitionParser(Actions).Parse(File, Valid.Replace("steps:", "inputs:\n  note: { maxLength: 10 }\nsteps:", StringComparison.Ordinal));

        Assert.Empty(r.Errors);
        Assert.Equal(10, r.Definition!.Inputs.Single().MaxLength);
    }
}
