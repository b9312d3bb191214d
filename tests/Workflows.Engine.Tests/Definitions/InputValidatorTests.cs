using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Tests.Definitions;

public class InputValidatorTests
{
    private static readonly WorkflowDefinition Def = new()
    {
        Name = "w",
        Version = "v",
        Inputs =
        [
            new InputDefinition { Name = "host", Required = true, Pattern = "[a-z0-9.-]+" },
            new InputDefinition { Name = "count", Type = InputType.Int, Default = JsonValue.Create(2) },
            new InputDefinition { Name = "debug", Type = InputType.Bool, Default = JsonValue.Create(false) },
            new InputDefinition { Name = "size", Type = InputType.Enum, Values = ["s", "l"], Default = JsonValue.Create("s") },
            new InputDefinition { Name = "net", Type = InputType.Cidr },
            new InputDefinition { Name = "ip", Type = InputType.Ip },
            new InputDefinition { Name = "password", Type = InputType.Secret },
        ],
    };

    [Fact]
    public void Validate_FillsDefaultsAndConvertsText()
    {
        var r = InputValidator.Validate(Def, new Dictionary<string, JsonNode?> { ["host"] = "db1", ["count"] = "5", ["debug"] = "true", ["password"] = "s3cret!" });
        Assert.Equal(5L, r["count"]!.GetValue<long>());
        Assert.True(r["debug"]!.GetValue<bool>());
        Assert.Equal("s", r["size"]!.GetValue<string>());
        Assert.True(((JsonValue)r["password"]!).TryGetValue(out Secret? s));
        Assert.Equal("s3cret!", s!.Reveal());
    }

    [Fact]
    public void Validate_NamesEveryBadField()
    {
        var e = Assert.Throws<InputValidationException>(() => InputValidator.Validate(Def, new Dictionary<string, JsonNode?>
        {
            ["host"] = "UPPER",
            ["count"] = "many",
            ["size"] = "xl",
            ["net"] = "10.0.0.0/33",
            ["ip"] = "10.0.0.300",
            ["nope"] = "x",
        }));
        var fields = e.Errors.Select(x => x.Field).ToHashSet();
        Assert.Equal(new HashSet<string> { "inputs.host", "inputs.count", "inputs.size", "inputs.net", "inputs.ip", "inputs.nope" }, fields);
        Assert.Contains(e.Errors, x => x.Field == "inputs.size" && x.Message.Contains("s, l", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RequiresRequiredInputs()
    {
        var e = Assert.Throws<InputValidationException>(() => InputValidator.Validate(Def, new Dictionary<string, JsonNode?>()));
        Assert.Equal("inputs.host", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void Validate_KeepsPreviousValues_WhenRetryEditsSomeInputs()
    {
        var first = InputValidator.Validate(Def, new Dictionary<string, JsonNode?> { ["host"] = "a", ["password"] = "keep-me" });
        var edited = InputValidator.Validate(Def, new Dictionary<string, JsonNode?> { ["host"] = "b", ["password"] = "" }, first);
        Assert.Equal("b", edited["host"]!.GetValue<string>());
        Assert.True(((JsonValue)edited["password"]!).TryGetValue(out Secret? s));
        Assert.Equal("keep-me", s!.Reveal());
    }

    [Fact]
    public void Check_SaysTheHintInsteadOfTheRegex_WhenThePatternHasAHint()
    {
        var input = new InputDefinition { Name = "host", Pattern = "[a-z][a-z0-9-]{0,62}", PatternHint = "a host name: lowercase letters, digits and '-'" };

        var error = InputValidator.Check(input, JsonValue.Create("Web_1"), out _);

        Assert.Equal("'Web_1' is not valid: expected a host name: lowercase letters, digits and '-'", error);
    }

    [Fact]
    public void Check_QuotesThePattern_WhenThereIsNoHint()
    {
        var input = new InputDefinition { Name = "host", Pattern = "[a-z]+" };

        Assert.Equal("'Web_1' does not match the pattern [a-z]+", InputValidator.Check(input, JsonValue.Create("Web_1"), out _));
    }

    [Fact]
    public void Check_NeverEchoesASecret_WhenItFailsThePattern()
    {
        var input = new InputDefinition { Name = "pw", Type = InputType.Secret, Pattern = ".{12,}" };
        var error = InputValidator.Check(input, JsonValue.Create("short-pw"), out _);
        Assert.NotNull(error);
        Assert.DoesNotContain("short-pw", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesAtMostTwentyUnknownInputs_AndCountsTheRest()
    {
        var provided = Enumerable.Range(0, 5000).ToDictionary(i => $"bogus{i}", _ => (JsonNode?)JsonValue.Create("x"));
        provided["host"] = "db1";

        var e = Assert.Throws<InputValidationException>(() => InputValidator.Validate(Def, provided));

        Assert.Equal(21, e.Errors.Count);
        Assert.Equal(new FieldError("inputs", "4,980 more unknown inputs"), e.Errors[^1]);
        Assert.True(e.Message.Length < 5000, $"{e.Message.Length} characters");
    }
}
