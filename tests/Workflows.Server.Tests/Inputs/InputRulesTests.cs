using System.Text.Json.Nodes;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Web.Components.Workflows;

namespace Workflows.Server.Tests.Inputs;

/// <summary>
/// The shared input rules, run through both paths that apply them: the engine's (every start: API,
/// portal, schedules, webhooks) and the portal form's. Issue 12: the two used to disagree.
/// </summary>
public sealed class InputRulesTests
{
    [Theory]
    [InlineData(InputType.Cidr, "10.0.0.0/24", true)]
    [InlineData(InputType.Cidr, "10.0.0.1/24", false)] // host bits: the portal used to accept it
    [InlineData(InputType.Cidr, "fd00::/64", true)]
    [InlineData(InputType.Cidr, "fd00::1/64", false)]
    [InlineData(InputType.Cidr, "10.0.0.0/33", false)]
    [InlineData(InputType.Cidr, "10.0.0.0/024", false)]
    [InlineData(InputType.Cidr, "10.0.0.0", false)]
    [InlineData(InputType.Cidr, "10/8", false)]
    [InlineData(InputType.Ip, "192.0.2.10", true)]
    [InlineData(InputType.Ip, "2001:db8::1", true)]
    [InlineData(InputType.Ip, "10", false)] // IPAddress.TryParse says 0.0.0.10: the engine used to accept it
    [InlineData(InputType.Ip, "10.1", false)]
    [InlineData(InputType.Ip, "010.0.0.1", false)] // octal to IPAddress.TryParse
    [InlineData(InputType.Ip, "0x0a.0.0.1", false)]
    [InlineData(InputType.Ip, "300.1.1.1", false)]
    [InlineData(InputType.Ip, " 192.0.2.10", false)]
    [InlineData(InputType.Ip, "192.0.2.10/32", false)]
    [InlineData(InputType.Int, "-2", true)]
    [InlineData(InputType.Int, "three", false)]
    [InlineData(InputType.Int, "99999999999999999999", false)]
    public void Rules_AreTheSame_ForEngineAndPortal(InputType type, string value, bool valid)
    {
        var input = new InputDefinition { Name = "x", Type = type };

        AssertBothPaths(input, value, valid);
    }

    [Theory]
    [InlineData("vm1", true)]
    [InlineData("vm1\n", false)] // .NET's '$' matches before a final newline
    [InlineData("vm1\nvm2", false)]
    [InlineData("xvm1", true)]
    [InlineData("Vm1", false)]
    public void Patterns_MatchTheWholeValue_EvenWhenAnchoredWithDollar(string value, bool valid)
    {
        var input = new InputDefinition { Name = "x", Pattern = "^[a-z][a-z0-9-]{0,62}$" };

        AssertBothPaths(input, value, valid);
    }

    [Theory]
    [InlineData("a|ab", "ab", true)] // the whole value, not the first alternative's prefix
    [InlineData("[0-9]+", "12a", false)]
    public void Patterns_MatchTheWholeValue_WithoutAnchors(string pattern, string value, bool valid)
    {
        AssertBothPaths(new InputDefinition { Name = "x", Pattern = pattern }, value, valid);
    }

    [Fact]
    public void Values_OverTheMaximumLength_AreRefused_AtDefaultAndPerInputLimits()
    {
        AssertBothPaths(new InputDefinition { Name = "x" }, new string('a', InputRules.DefaultMaxLength), true);
        AssertBothPaths(new InputDefinition { Name = "x" }, new string('a', InputRules.DefaultMaxLength + 1), false);
        AssertBothPaths(new InputDefinition { Name = "x", MaxLength = 3 }, "abc", true);
        AssertBothPaths(new InputDefinition { Name = "x", MaxLength = 3 }, "abcd", false);
        AssertBothPaths(new InputDefinition { Name = "x", Type = InputType.Secret, MaxLength = 3 }, "abcd", false);
    }

    [Fact]
    public void Messages_QuoteOnlyAPrefix_AndNeverASecret()
    {
        var input = new InputDefinition { Name = "x", Pattern = "[a-z]+" };
        var message = InputRules.CheckText(input, "A" + new string('b', 999), out _);
        Assert.Equal($"'A{new string('b', 39)}… (1,000 characters)' does not match the pattern [a-z]+", message);

        var secret = new InputDefinition { Name = "x", Type = InputType.Secret, Pattern = "[a-z]+" };
        Assert.Equal("the value does not match the pattern [a-z]+", InputRules.CheckText(secret, "Hunter2", out _));
        Assert.DoesNotContain("Hunter2", InputValidation.Validate(secret, "Hunter2"), StringComparison.Ordinal);
    }

    [Fact]
    public void Patterns_ThatBacktrackForever_AreRefused_NotThrown()
    {
        var input = new InputDefinition { Name = "x", Pattern = "(a+)+b" };

        AssertBothPaths(input, new string('a', 40) + "c", false);
    }

    [Fact]
    public void Engine_RefusesAnUnknownCloud_WhenItKnowsTheClouds()
    {
        var def = new WorkflowDefinition
        {
            Name = "w",
            Version = "v",
            Inputs = [new InputDefinition { Name = "cloud", Type = InputType.Cloud, Default = JsonValue.Create("sandbox") }],
        };
        var clouds = new Clouds("sandbox", "peer");

        Assert.Equal("peer", (string?)InputValidator.Validate(def, new Dictionary<string, JsonNode?> { ["cloud"] = "peer" }, clouds: clouds)["cloud"]);
        Assert.Equal("sandbox", (string?)InputValidator.Validate(def, new Dictionary<string, JsonNode?>(), clouds: clouds)["cloud"]);
        var e = Assert.Throws<InputValidationException>(() => InputValidator.Validate(def, new Dictionary<string, JsonNode?> { ["cloud"] = "nope" }, clouds: clouds));
        var error = Assert.Single(e.Errors);
        Assert.Equal("inputs.cloud", error.Field);
        Assert.Equal("unknown cloud 'nope'; configured clouds: sandbox, peer", error.Message);
    }

    private static void AssertBothPaths(InputDefinition input, string value, bool valid)
    {
        var def = new WorkflowDefinition { Name = "w", Version = "v", Inputs = [input] };
        string? engine = null;
        try
        {
            InputValidator.Validate(def, new Dictionary<string, JsonNode?> { [input.Name] = JsonValue.Create(value) });
        }
        catch (InputValidationException e)
        {
            engine = Assert.Single(e.Errors).Message;
        }

        var portal = InputValidation.Validate(input, value);

        Assert.True(valid == (engine is null), $"engine: {engine ?? "valid"}");
        Assert.True(valid == (portal is null), $"portal: {portal ?? "valid"}");
    }

    private sealed class Clouds(params string[] names) : ICloudDirectory
    {
        public bool Exists(string name) => names.Contains(name, StringComparer.Ordinal);

        public IReadOnlyList<string> Names() => names;
    }
}
