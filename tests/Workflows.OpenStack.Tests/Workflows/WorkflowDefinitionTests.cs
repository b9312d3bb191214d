using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using YamlDotNet.RepresentationModel;

namespace Workflows.OpenStack.Tests.Workflows;

/// <summary>The shipped definitions use registered OpenStack actions with inputs those actions accept.</summary>
public sealed class WorkflowDefinitionTests
{
    [Theory]
    [InlineData("boot-vm.yaml", new[] { "nova.server.create", "neutron.floatingip.attach" })]
    [InlineData("deploy-magnum-cluster.yaml", new[] { "magnum.cluster.create", "magnum.cluster.credentials" })]
    public void Definition_UsesRegisteredActionsWithKnownInputs_AndDefaultsToTheSandbox(string file, string[] expectedSteps)
    {
        using var services = new ServiceCollection().AddLogging().AddOpenStack().BuildServiceProvider();
        var actions = services.GetServices<ActionDescriptor>().ToDictionary(a => a.Name);
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "workflows", file)))
        {
            stream.Load(reader);
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var cloud = (YamlMappingNode)((YamlMappingNode)root["inputs"])["cloud"];
        Assert.Equal("sandbox", ((YamlScalarNode)cloud["default"]).Value);
        var steps = ((YamlSequenceNode)root["steps"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.Equal(expectedSteps, steps.Select(s => ((YamlScalarNode)s["uses"]).Value));
        foreach (var step in steps)
        {
            AssertBinds(actions, step);
            if (step.Children.TryGetValue(new YamlScalarNode("compensate"), out var compensate))
            {
                AssertBinds(actions, (YamlMappingNode)compensate);
            }
        }
    }

    private static void AssertBinds(Dictionary<string, ActionDescriptor> actions, YamlMappingNode step)
    {
        var uses = ((YamlScalarNode)step["uses"]).Value!;
        Assert.True(actions.TryGetValue(uses, out var action), $"{uses} is not registered");
        var known = action.InputType!.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        var with = (YamlMappingNode)step["with"];
        foreach (var key in with.Children.Keys.Cast<YamlScalarNode>())
        {
            Assert.Contains(key.Value!, known);
        }

        Assert.Contains("cloud", with.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value));
        Assert.NotNull(JsonDefaults.Options);
    }
}
