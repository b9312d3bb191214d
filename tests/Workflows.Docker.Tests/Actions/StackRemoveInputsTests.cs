using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Tests.Testing;
using Workflows.Engine.Definitions;

namespace Workflows.Docker.Tests.Actions;

/// <summary><c>docker.stack.remove</c> takes the stack and its engine only: a deploy's input given to it is refused when the workflow loads.</summary>
public sealed class StackRemoveInputsTests
{
    [Fact]
    public void StackRemove_TakesTheStackAndTheEndpoint_Only()
    {
        using var services = TestServices.Create();

        var remove = services.GetServices<ActionDescriptor>().Single(a => a.Name == "docker.stack.remove");

        Assert.Equal(typeof(StackRemoveInputs), remove.InputType);
        Assert.Equal(
            ["CaCert", "CertPath", "ClientCert", "ClientKey", "Host", "Stack", "TlsVerify"],
            typeof(StackRemoveInputs).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_AcceptsAStackRemoval_WithTheStackAndItsEngine()
    {
        var result = Parse("""
            stack: shop
            host: tcp://127.0.0.1:2376
            tlsVerify: true
            """);

        Assert.Empty(result.Errors);
        Assert.NotNull(result.Definition);
    }

    [Theory]
    [InlineData("compose", "'services: {}'")]
    [InlineData("composeFile", "/srv/shop/compose.yaml")]
    [InlineData("variables", "{ TAG: '1.2' }")]
    [InlineData("env", "'TAG=1.2'")]
    [InlineData("prune", "false")]
    [InlineData("registryUsername", "ci")]
    [InlineData("registryPassword", "'${{ inputs.token }}'")]
    public void Parse_RefusesADeployOnlyInput_NamingIt(string input, string value)
    {
        var result = Parse($"""
            stack: shop
            {input}: {value}
            """);

        Assert.Null(result.Definition);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"steps[remove].with.{input}", error.Field);
        Assert.Contains($"action 'docker.stack.remove' has no input '{input}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("its inputs are: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(9, error.Line); // the key's line: steps, with: and the inputs before it
    }

    [Fact]
    public void Parse_RequiresTheStack()
    {
        var result = Parse("host: tcp://127.0.0.1:2376");

        var error = Assert.Single(result.Errors);
        Assert.EndsWith("with.stack", error.Field, StringComparison.Ordinal);
        Assert.Contains("is required by action 'docker.stack.remove'", error.Message, StringComparison.Ordinal);
    }

    private static Engine.Definitions.ParseResult Parse(string with)
    {
        using var services = TestServices.Create();
        var indented = string.Join('\n', with.Split('\n').Select(l => "          " + l));
        return new DefinitionParser(services.GetServices<ActionDescriptor>()).Parse("workflows/remove-shop.yaml", $$"""
            name: remove-shop
            inputs:
              token: { type: secret, required: false }
            steps:
              - id: remove
                uses: docker.stack.remove
                with:
            {{indented}}
            """);
    }
}
