using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Yaml;
using Workflows.Engine.Expressions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Checks what the fields of a definition say about each other once each is read: that <c>needs</c> names steps and
/// forms no cycle, and that every expression names inputs that exist, <c>run</c> fields, and outputs of steps that
/// have run by then (in this step's needs) and that their actions have.
/// </summary>
/// <param name="ctx">The file's reader.</param>
/// <param name="actions">The actions, by name (for their outputs).</param>
internal sealed class ReferenceChecker(DefinitionReader ctx, IReadOnlyDictionary<string, ActionDescriptor> actions)
{
    private static readonly string[] RunFields = ["id", "workflow", "version", "actor", "trigger"];

    /// <summary>Checks <c>needs</c>: known steps, not the step itself, no cycle.</summary>
    public void CheckGraph(List<ParsedStep> steps, YamlNode root)
    {
        var ids = steps.Select(s => s.Def.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            foreach (var n in s.Def.Needs)
            {
                if (n == s.Def.Id)
                {
                    ctx.Error(DefinitionReader.Value(s.Node, "needs"), s.Path + ".needs", "a step cannot need itself");
                }
                else if (!ids.Contains(n))
                {
                    ctx.Error(DefinitionReader.Value(s.Node, "needs"), s.Path + ".needs", $"unknown step '{YamlGuard.Cut(n)}'{YamlReader.DidYouMean(n, ids)}");
                }
            }
        }

        if (Dag.FindCycle(steps.Select(s => s.Def).ToList()) is { } cycle)
        {
            var first = steps.First(s => s.Def.Id == cycle[0]);
            ctx.Error(DefinitionReader.Value(first.Node, "needs") ?? root, first.Path + ".needs", $"the steps form a cycle: {string.Join(" → ", cycle)} → {cycle[0]}");
        }
    }

    /// <summary>Checks the names every expression uses: in <c>concurrency</c>, each step's <c>with</c> and <c>if</c>, and each compensation's <c>with</c>.</summary>
    public void CheckExpressions(List<ParsedInput> inputs, List<ParsedStep> steps, string? concurrency, YamlNode root)
    {
        var inputNames = inputs.Select(i => i.Def.Name).ToHashSet(StringComparer.Ordinal);
        var byId = steps.GroupBy(s => s.Def.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var graph = steps.Select(s => s.Def).ToList();

        if (concurrency is not null)
        {
            CheckRefs(DefinitionReader.Value(root, "concurrency")!, "concurrency", concurrency, inputNames, byId, allowedSteps: null);
        }

        foreach (var s in steps)
        {
            var ancestors = Dag.Ancestors(graph, s.Def.Id);
            foreach (var (node, path, text) in YamlReader.Scalars(s.WithNode, s.Path + ".with"))
            {
                CheckRefs(node, path, text, inputNames, byId, ancestors);
            }

            if (s.Def.If is { } cond)
            {
                CheckRefs(DefinitionReader.Value(s.Node, "if")!, s.Path + ".if", cond.Contains("${{", StringComparison.Ordinal) ? cond : "${{ " + cond + " }}", inputNames, byId, ancestors);
            }

            if (s.Compensation is { } pc)
            {
                // A compensation may read its own step's outputs (null when the step did not complete).
                var allowed = new HashSet<string>(ancestors, StringComparer.Ordinal) { s.Def.Id };
                foreach (var (node, path, text) in YamlReader.Scalars(pc.WithNode, s.Path + ".compensate.with"))
                {
                    CheckRefs(node, path, text, inputNames, byId, allowed);
                }
            }
        }
    }

    private void CheckRefs(YamlNode node, string path, string text, HashSet<string> inputs, Dictionary<string, ParsedStep> steps, IReadOnlySet<string>? allowedSteps)
    {
        if (!Template.MayContainExpression(text))
        {
            return;
        }

        Template t;
        try
        {
            t = Template.Parse(text);
        }
        catch (ExpressionException)
        {
            return; // reported by CheckTemplate already
        }

        foreach (var p in t.Expressions.SelectMany(e => e.Paths()))
        {
            var name = string.Join('.', p);
            switch (p[0])
            {
                case "inputs":
                    if (p.Count < 2 || !inputs.Contains(p[1]))
                    {
                        ctx.Error(node, path, $"'{name}': unknown input{(p.Count > 1 ? $" '{p[1]}'" : "")}{(p.Count > 1 ? YamlReader.DidYouMean(p[1], inputs) : "")}");
                    }

                    break;
                case "run":
                    if (p.Count != 2 || !RunFields.Contains(p[1]))
                    {
                        ctx.Error(node, path, $"'{name}': run has {string.Join(", ", RunFields)}");
                    }

                    break;
                case "steps":
                    CheckStepRef(node, path, p, steps, allowedSteps);
                    break;
                default:
                    ctx.Error(node, path, $"'{name}': unknown name '{p[0]}' (use inputs, steps or run)");
                    break;
            }
        }
    }

    private void CheckStepRef(YamlNode node, string path, IReadOnlyList<string> p, Dictionary<string, ParsedStep> steps, IReadOnlySet<string>? allowedSteps)
    {
        var name = string.Join('.', p);
        if (allowedSteps is null)
        {
            ctx.Error(node, path, "step outputs are not available here");
            return;
        }

        if (p.Count < 4 || p[2] != "outputs")
        {
            ctx.Error(node, path, $"'{name}': write steps.<id>.outputs.<name>");
            return;
        }

        if (!steps.TryGetValue(p[1], out var target))
        {
            ctx.Error(node, path, $"'{name}': unknown step '{p[1]}'{YamlReader.DidYouMean(p[1], steps.Keys)}");
        }
        else if (!allowedSteps.Contains(p[1]))
        {
            ctx.Error(node, path, $"'{name}': step '{p[1]}' is not in this step's needs (directly or through other steps), so its outputs may not exist yet");
        }
        else if (actions.TryGetValue(target.Def.Uses, out var a) && a.OutputType is { } ot)
        {
            var names = ActionShape.JsonNames(ot);
            if (!names.Contains(p[3], StringComparer.OrdinalIgnoreCase))
            {
                ctx.Error(node, path, $"'{name}': action '{a.Name}' has no output '{p[3]}'{YamlReader.DidYouMean(p[3], names)}; its outputs are: {string.Join(", ", names)}");
            }
        }
    }
}
