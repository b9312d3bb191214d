using System.Text.Json.Nodes;
using Bunit;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Workflows;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Workflows;

public sealed class InputFormTests : PortalTestContext
{
    private static readonly InputDefinition[] BootVmInputs =
    [
        new() { Name = "name", Type = InputType.String, Required = true, Pattern = "[a-z][a-z0-9-]{0,62}" },
        new() { Name = "flavor", Type = InputType.String, Default = JsonValue.Create("m1.tiny") },
        new() { Name = "replicas", Type = InputType.Int, Default = JsonValue.Create(3) },
        new() { Name = "attachIp", Type = InputType.Bool, Default = JsonValue.Create(true) },
        new() { Name = "size", Type = InputType.Enum, Values = ["small", "large"], Default = JsonValue.Create("small") },
        new() { Name = "network", Type = InputType.Cidr },
        new() { Name = "gateway", Type = InputType.Ip },
        new() { Name = "adminPassword", Type = InputType.Secret },
        new() { Name = "cloud", Type = InputType.Cloud, Default = JsonValue.Create("sandbox") },
    ];

    [Fact]
    public void Render_FillsInDefaults_WhenInputsHaveThem()
    {
        var cut = RenderForm();

        Assert.Equal("m1.tiny", cut.Find("[data-testid=input-flavor]").GetAttribute("value"));
        Assert.Equal("3", cut.Find("[data-testid=input-replicas]").GetAttribute("value"));
        Assert.True(cut.Find("[data-testid=input-attachIp]").HasAttribute("checked"));
        Assert.Equal("", cut.Find("[data-testid=input-name]").GetAttribute("value"));
    }

    [Fact]
    public void Render_ShowsEnumsAndCloudsAsSelects()
    {
        var cut = RenderForm();

        Assert.Equal("combobox", cut.Find("[data-testid=input-size]").GetAttribute("role"));
        Assert.Contains("small", cut.Find("[data-testid=input-size]").TextContent, StringComparison.Ordinal);
        Assert.Equal("combobox", cut.Find("[data-testid=input-cloud]").GetAttribute("role"));
        Assert.Contains("sandbox", cut.Find("[data-testid=input-cloud]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", "Bad Name", "'Bad Name' does not match the pattern [a-z][a-z0-9-]{0,62}.")]
    [InlineData("name", "vm1\n", "does not match the pattern")]
    [InlineData("replicas", "three", "'three' is not a whole number.")]
    [InlineData("network", "10.0.0.0", "CIDR")]
    [InlineData("network", "10.0.0.0/33", "CIDR")]
    [InlineData("network", "10.0.0.1/24", "has host bits set; the network is 10.0.0.0/24")]
    [InlineData("gateway", "10.0.0", "IPv4 or IPv6 address")]
    [InlineData("gateway", "10", "IPv4 or IPv6 address")]
    [InlineData("gateway", "300.1.1.1", "IPv4 or IPv6 address")]
    public void Input_ShowsMessageOnTheField_WhenValueIsInvalid(string field, string value, string message)
    {
        var cut = RenderForm();

        cut.Find($"[data-testid=input-{field}]").Input(value);

        Assert.Contains(message, cut.Find($"[data-testid=error-{field}]").TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid^=error-]"));
    }

    [Fact]
    public void Input_SaysThePatternHintInWords_WhenValueDoesNotMatch()
    {
        var cut = RenderForm(inputs: [new InputDefinition { Name = "host", Required = true, Pattern = "[a-z]+", PatternHint = "lowercase letters only" }]);

        Assert.Equal("Expected: lowercase letters only", cut.Find("[data-testid=hint-host]").TextContent.Trim());
        cut.Find("[data-testid=input-host]").Input("Web1");

        var error = cut.Find("[data-testid=error-host]").TextContent;
        Assert.Contains("expected lowercase letters only", error, StringComparison.Ordinal);
        Assert.DoesNotContain("[a-z]+", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", "web-1")]
    [InlineData("replicas", "-2")]
    [InlineData("network", "fd00::/64")]
    [InlineData("gateway", "192.0.2.1")]
    public void Input_ShowsNoMessage_WhenValueIsValid(string field, string value)
    {
        var cut = RenderForm();

        cut.Find($"[data-testid=input-{field}]").Input(value);

        Assert.Empty(cut.FindAll("[data-testid^=error-]"));
    }

    [Fact]
    public void Input_ShowsRequired_WhenRequiredFieldIsCleared()
    {
        var cut = RenderForm();

        cut.Find("[data-testid=input-name]").Input("web");
        cut.Find("[data-testid=input-name]").Input("");

        Assert.Equal("Required.", cut.Find("[data-testid=error-name]").TextContent);
    }

    [Fact]
    public void Submit_ShowsMessagesAndDoesNotSubmit_WhenRequiredFieldIsEmpty()
    {
        var submitted = 0;
        var cut = RenderForm(p => p.Add(f => f.Submitted, _ => submitted++));

        cut.Find("[data-testid=submit]").Click();

        Assert.Equal("Required.", cut.Find("[data-testid=error-name]").TextContent);
        Assert.Equal(0, submitted);
    }

    [Fact]
    public void Submit_RaisesSubmittedWithTypedValues_WhenEveryFieldIsValid()
    {
        IReadOnlyDictionary<string, JsonNode?>? values = null;
        var cut = RenderForm(p => p.Add(f => f.Submitted, v => values = v));

        cut.Find("[data-testid=input-name]").Input("web-1");
        cut.Find("[data-testid=input-replicas]").Input("5");
        cut.Find("[data-testid=input-adminPassword]").Input("hunter2");
        cut.Find("[data-testid=submit]").Click();

        Assert.NotNull(values);
        Assert.Equal("web-1", values["name"]!.GetValue<string>());
        Assert.Equal(5, values["replicas"]!.GetValue<long>());
        Assert.True(values["attachIp"]!.GetValue<bool>());
        Assert.Equal("small", values["size"]!.GetValue<string>());
        Assert.Equal("sandbox", values["cloud"]!.GetValue<string>());
        Assert.Equal("hunter2", values["adminPassword"]!.GetValue<string>());
        Assert.False(values.ContainsKey("network"));
    }

    [Fact]
    public void Render_NeverShowsTheSecret_WhenTypedOrGivenAsInitialValue()
    {
        var secret = new InputDefinition { Name = "token", Type = InputType.Secret, Default = JsonValue.Create("default-s3cret") };
        var cut = RenderForm(
            p => p.Add(f => f.InitialValues, new Dictionary<string, JsonNode?> { ["token"] = JsonValue.Create("earlier-s3cret") }),
            [secret]);

        cut.Find("[data-testid=input-token]").Input("typed-s3cret");
        cut.Find("[data-testid=submit]").Click();

        var input = cut.Find("[data-testid=input-token]");
        Assert.Equal("password", input.GetAttribute("type"));
        Assert.False(input.HasAttribute("value"));
        Assert.DoesNotContain("s3cret", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShowsEngineErrorOnItsField_WhenServerErrorsAreGiven()
    {
        var cut = RenderForm(p => p.Add(f => f.ServerErrors, [new FieldError("inputs.flavor", "Unknown flavor."), new FieldError("concurrency", "Busy.")]));

        Assert.Equal("Unknown flavor.", cut.Find("[data-testid=error-flavor]").TextContent);
        Assert.Contains("concurrency: Busy.", cut.Find("[data-testid=form-errors]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_LeavesOutEmptySecret_WhenSecretsAreOptional()
    {
        IReadOnlyDictionary<string, JsonNode?>? values = null;
        var secret = new InputDefinition { Name = "token", Type = InputType.Secret, Required = true };
        var cut = RenderForm(p => p.Add(f => f.SecretsOptional, true).Add(f => f.Submitted, v => values = v), [secret]);

        cut.Find("[data-testid=submit]").Click();

        Assert.NotNull(values);
        Assert.Empty(values);
    }

    private IRenderedComponent<InputForm> RenderForm(Action<ComponentParameterCollectionBuilder<InputForm>>? configure = null, IReadOnlyList<InputDefinition>? inputs = null)
    {
        RenderPopovers();
        return Render<InputForm>(p =>
        {
            p.Add(f => f.Inputs, inputs ?? BootVmInputs).Add(f => f.Clouds, Clouds.Clouds);
            configure?.Invoke(p);
        });
    }
}
