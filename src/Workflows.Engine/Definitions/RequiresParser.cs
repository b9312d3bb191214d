using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>Reads <c>requires:</c>, a mapping of requirement name to a text or an expression (<c>docker: "${{ inputs.dockerHost }}"</c>).</summary>
internal static class RequiresParser
{
    public static Dictionary<string, string> Parse(DefinitionReader ctx, YamlNode? node)
    {
        var requires = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return requires;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, "requires", "must be a mapping of requirement name to a value, e.g. docker: \"${{ inputs.dockerHost }}\"");
            return requires;
        }

        foreach (var entry in ctx.Entries(node, "requires"))
        {
            var name = entry.Key;
            if (!DefinitionNames.Identifier().IsMatch(name))
            {
                ctx.Error(entry.KeyNode, "requires", $"'{name}' is not a valid requirement name");
                continue;
            }

            if (YamlReader.ShapeOf(entry.Value) is YamlShape.List or YamlShape.Mapping)
            {
                ctx.Error(entry.Value, $"requires.{name}", "must be a text or an expression (empty for the server's default)");
                continue;
            }

            var value = YamlReader.TextOf(entry.Value) ?? "";
            ctx.CheckTemplate(entry.Value, $"requires.{name}", value);
            requires[name] = value;
        }

        return requires;
    }
}
