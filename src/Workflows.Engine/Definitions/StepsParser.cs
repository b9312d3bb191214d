using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using Workflows.Engine.Actions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>A step as read, with the nodes that later checks (needs, expressions) point at.</summary>
/// <param name="Def">The step.</param>
/// <param name="Node">The step's mapping.</param>
/// <param name="Path">Its path: <c>steps[id]</c> once it has an id, <c>steps[2]</c> before.</param>
/// <param name="WithNode">Its <c>with:</c>, when it has one.</param>
/// <param name="Compensation">Its <c>compensate:</c>, when it has a valid one.</param>
internal sealed record ParsedStep(StepDefinition Def, YamlNode Node, string Path, YamlNode? WithNode, ParsedCompensation? Compensation);

/// <summary>A step's compensation as read.</summary>
/// <param name="WithNode">Its <c>with:</c>, or the <c>compensate:</c> mapping when it has none.</param>
internal sealed record ParsedCompensation(YamlNode WithNode);

/// <summary>
/// Reads <c>steps:</c>: each step's id, name, <c>uses</c> (a known action, with a "did you mean"), <c>with</c> (checked
/// against the action's inputs), <c>needs</c>, <c>if</c>, <c>timeout</c>, <c>retry</c> (<see cref="RetryParser"/>),
/// <c>poll</c> (<see cref="PollParser"/>), <c>compensate</c> and, for <c>core.approval</c>, the approval policy
/// (<see cref="ApprovalPolicyParser"/>).
/// </summary>
/// <param name="actions">The actions steps may use, by name.</param>
internal sealed class StepsParser(IReadOnlyDictionary<string, ActionDescriptor> actions)
{
    private static readonly string[] StepKeys = ["id", "name", "uses", "with", "needs", "if", "retry", "timeout", "poll", "compensate"];
    private static readonly string[] CompensateKeys = ["uses", "with", "retry", "timeout", "poll"];

    public List<ParsedStep> Parse(DefinitionReader ctx, YamlNode? node)
    {
        var list = new List<ParsedStep>();
        if (node is null)
        {
            return list;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.List || YamlReader.Count(node) == 0)
        {
            ctx.Error(node, "steps", "must be a non-empty list of steps");
            return list;
        }

        if (YamlReader.Count(node) > DefinitionLimits.MaxSteps)
        {
            ctx.Error(node, "steps", FormattableString.Invariant($"has {YamlReader.Count(node):N0} steps; a workflow may have at most {DefinitionLimits.MaxSteps}"));
            return list;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var (item, itemPath) in ctx.Items(node, "steps"))
        {
            i++;
            if (YamlReader.ShapeOf(item) != YamlShape.Mapping)
            {
                ctx.Error(item, itemPath, "a step must be a mapping with id and uses");
                continue;
            }

            list.Add(Step(ctx, item, itemPath, i, seen));
        }

        return list;
    }

    private ParsedStep Step(DefinitionReader ctx, YamlNode m, string path, int number, HashSet<string> seen)
    {
        var id = ctx.RequiredString(m, "id", path);
        if (id is not null)
        {
            path = $"steps[{YamlGuard.Cut(id)}]";
            if (!DefinitionNames.Step().IsMatch(id))
            {
                ctx.Error(DefinitionReader.Value(m, "id"), path + ".id", $"'{YamlGuard.Cut(id)}' is not a valid step id: use letters, digits, '_' and '-', starting with a letter");
            }
            else if (!seen.Add(id))
            {
                ctx.Error(DefinitionReader.Value(m, "id"), path + ".id", $"duplicate step id '{YamlGuard.Cut(id)}'");
            }
        }

        ctx.CheckKeys(m, path, StepKeys);
        var (uses, action) = Uses(ctx, m, path);
        var withNode = DefinitionReader.Value(m, "with");
        var with = With(ctx, withNode, m, path + ".with", action);
        var timeout = ctx.OptionalDuration(m, "timeout", path, out _);
        var ifText = ctx.OptionalString(m, "if", path);
        if (ifText is not null)
        {
            ctx.CheckTemplate(DefinitionReader.Value(m, "if")!, path + ".if", ifText.Contains("${{", StringComparison.Ordinal) ? ifText : "${{ " + ifText + " }}");
        }

        var (comp, parsedComp) = Compensation(ctx, DefinitionReader.Value(m, "compensate"), path + ".compensate");
        var def = new StepDefinition
        {
            Id = id ?? $"#{number}",
            Name = ctx.OptionalString(m, "name", path),
            Uses = uses ?? "",
            With = with,
            Needs = ctx.Names(DefinitionReader.Value(m, "needs"), path + ".needs"),
            If = ifText,
            Retry = RetryParser.Parse(ctx, DefinitionReader.Value(m, "retry"), path + ".retry", RetryPolicy.None),
            Timeout = timeout,
            Poll = PollParser.Parse(ctx, DefinitionReader.Value(m, "poll"), path + ".poll", action),
            Compensate = comp,
            Approval = uses == ApprovalAction.Name ? ApprovalPolicyParser.Parse(ctx, YamlReader.ShapeOf(withNode) == YamlShape.Mapping ? withNode : null, path + ".with") : null,
            Line = YamlReader.LineOf(m),
        };
        return new ParsedStep(def, m, path, withNode, parsedComp);
    }

    /// <summary>Reads <c>uses:</c> (required) and finds its action; an unknown one is reported with a "did you mean".</summary>
    private (string? Uses, ActionDescriptor? Action) Uses(DefinitionReader ctx, YamlNode map, string path)
    {
        var uses = ctx.RequiredString(map, "uses", path);
        ActionDescriptor? action = null;
        if (uses is not null && !actions.TryGetValue(uses, out action))
        {
            ctx.Error(DefinitionReader.Value(map, "uses"), path + ".uses", $"unknown action '{YamlGuard.Cut(uses)}'{YamlReader.DidYouMean(uses, actions.Keys)}");
        }

        return (uses, action);
    }

    private (CompensationDefinition?, ParsedCompensation?) Compensation(DefinitionReader ctx, YamlNode? node, string path)
    {
        if (node is null)
        {
            return (null, null);
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, path, "must be a mapping with uses and with");
            return (null, null);
        }

        ctx.CheckKeys(node, path, CompensateKeys);
        var (uses, action) = Uses(ctx, node, path);
        var withNode = DefinitionReader.Value(node, "with");
        var with = With(ctx, withNode, node, path + ".with", action);
        var timeout = ctx.OptionalDuration(node, "timeout", path, out _);
        var comp = new CompensationDefinition
        {
            Uses = uses ?? "",
            With = with,
            Retry = RetryParser.Parse(ctx, DefinitionReader.Value(node, "retry"), path + ".retry", RetryPolicy.CompensationDefault),
            Timeout = timeout,
            Poll = PollParser.Parse(ctx, DefinitionReader.Value(node, "poll"), path + ".poll", action),
        };
        return (comp, new ParsedCompensation(withNode ?? node));
    }

    /// <summary>
    /// Reads <c>with:</c> into JSON, checks the syntax of its expressions and, when the action declares its inputs,
    /// that every key is one of them (with a "did you mean") and every required one is there.
    /// </summary>
    private static JsonObject With(DefinitionReader ctx, YamlNode? node, YamlNode owner, string path, ActionDescriptor? action)
    {
        if (node is null)
        {
            if (action?.InputType is { } it0)
            {
                foreach (var req in ActionShape.RequiredInputs(it0))
                {
                    ctx.Error(owner, $"{path}.{req}", $"is required by action '{action.Name}'");
                }
            }

            return [];
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, path, "must be a mapping of input name to value");
            return [];
        }

        var obj = (JsonObject)YamlReader.ToJson(node)!;
        ctx.CheckTemplates(node, path);
        if (action?.InputType is { } it)
        {
            var known = ActionShape.JsonNames(it);
            foreach (var entry in ctx.Entries(node, path))
            {
                if (!known.Contains(entry.Key, StringComparer.OrdinalIgnoreCase))
                {
                    ctx.Error(entry.KeyNode, $"{path}.{YamlGuard.Cut(entry.Key)}", $"action '{action.Name}' has no input '{YamlGuard.Cut(entry.Key)}'{YamlReader.DidYouMean(entry.Key, known)}; its inputs are: {string.Join(", ", known)}");
                }
            }

            foreach (var req in ActionShape.RequiredInputs(it))
            {
                if (!obj.Any(kv => string.Equals(kv.Key, req, StringComparison.OrdinalIgnoreCase)))
                {
                    ctx.Error(node, $"{path}.{req}", $"is required by action '{action.Name}'");
                }
            }
        }

        return obj;
    }
}
