using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>Reads <c>permissions:</c> (<c>{ run: [platform-admins] }</c>): the groups that may run the workflow.</summary>
internal static class PermissionsParser
{
    private static readonly string[] Keys = ["run"];

    public static WorkflowPermissions Parse(DefinitionReader ctx, YamlNode? node)
    {
        if (node is null)
        {
            return WorkflowPermissions.None;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, "permissions", "must be a mapping, e.g. permissions: { run: [platform-admins] }");
            return WorkflowPermissions.None;
        }

        ctx.CheckKeys(node, "permissions", Keys);
        var runNode = DefinitionReader.Value(node, "run");
        if (YamlReader.ShapeOf(runNode) == YamlShape.List && YamlReader.Count(runNode) == 0)
        {
            ctx.Error(runNode, "permissions.run", "must name at least one group (leave out permissions to let every operator run it)");
        }

        var run = ctx.Names(runNode, "permissions.run");
        foreach (var group in run.Where(g => g.Length > 200 || g.Any(char.IsControl)))
        {
            ctx.Error(runNode, "permissions.run", $"'{YamlGuard.Cut(group)}' is not a valid group name (at most 200 characters, no control characters)");
        }

        return new WorkflowPermissions { Run = run.Distinct(StringComparer.Ordinal).ToList() };
    }
}
