using System.Security.Cryptography;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>The outcome of parsing one definition file.</summary>
/// <param name="Definition">The definition, when there are no errors.</param>
/// <param name="Errors">Every problem found, with line and column.</param>
public sealed record ParseResult(WorkflowDefinition? Definition, IReadOnlyList<DefinitionError> Errors);

/// <summary>
/// Parses and validates workflow YAML: structure, types, the DAG, expressions and action inputs.
/// Reports every problem with file, line, column and field, rather than stopping at the first.
/// </summary>
/// <remarks>
/// The entry of the definition parsers: it guards the text (<see cref="YamlGuard"/>), loads it, and hands each
/// top-level field to its parser (<see cref="InputsParser"/>, <see cref="TriggersParser"/>, <see cref="StepsParser"/>,
/// <see cref="PlanParser"/>, …), all of which read through one <see cref="DefinitionReader"/>; then
/// <see cref="ReferenceChecker"/> checks what the fields say about each other (needs, expressions).
/// </remarks>
/// <param name="actions">The actions steps may use.</param>
/// <param name="channels">
/// The configured notification channels that <c>notify:</c> may name, or null to accept any name (stored versions are
/// parsed that way, so a channel removed from configuration never strands a pinned run).
/// </param>
public sealed class DefinitionParser(IEnumerable<ActionDescriptor> actions, IReadOnlyCollection<string>? channels = null)
{
    private static readonly string[] TopKeys = ["name", "description", "inputs", "concurrency", "onFailure", "requires", "permissions", "notify", "triggers", "plan", "steps"];

    private readonly Dictionary<string, ActionDescriptor> actions = actions.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>Computes the version of a definition text: the first 12 hex digits of its SHA-256.</summary>
    public static string VersionOf(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    /// <summary>Parses the bytes of <paramref name="file"/>: UTF-8 (with or without BOM), at most <see cref="DefinitionLimits.MaxFileBytes"/>.</summary>
    /// <remarks>Never throws for any content: every problem is an error with file, line and column.</remarks>
    public ParseResult Parse(string file, ReadOnlySpan<byte> bytes) =>
        YamlGuard.Decode(file, bytes, out var error) is { } text ? Parse(file, text) : new ParseResult(null, [error!]);

    /// <summary>Parses <paramref name="text"/> read from <paramref name="file"/>.</summary>
    /// <remarks>Never throws for any content: every problem is an error with file, line and column.</remarks>
    public ParseResult Parse(string file, string text)
    {
        try
        {
            if (YamlGuard.Check(file, text) is { } unsafeText)
            {
                return new ParseResult(null, [unsafeText]);
            }

            return ParseChecked(file, text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must not take the catalog down: the file is refused, the rest still loads.
            // The exception's message may quote the file, so only its type is reported.
            return new ParseResult(null, [new DefinitionError(file, 1, 1, "", $"could not be checked ({e.GetType().Name} in the definition parser); please report this file as a bug")]);
        }
    }

    private ParseResult ParseChecked(string file, string text)
    {
        var ctx = new DefinitionReader(file);
        if (Load(ctx, text) is not { } root)
        {
            return new ParseResult(null, ctx.Errors);
        }

        ctx.CheckKeys(root, "", TopKeys);
        var name = ctx.RequiredString(root, "name", "");
        if (name is not null && !DefinitionNames.Workflow().IsMatch(name))
        {
            ctx.Error(DefinitionReader.Value(root, "name"), "name", $"'{YamlGuard.Cut(name)}' is not a valid workflow name: use lowercase letters, digits and '-', starting with a letter or digit");
        }

        var description = ctx.OptionalString(root, "description", "") ?? "";
        var inputs = InputsParser.Parse(ctx, DefinitionReader.Value(root, "inputs"));
        var concurrency = ctx.OptionalString(root, "concurrency", "");
        var onFailure = FailurePolicy.Compensate;
        if (ctx.OptionalString(root, "onFailure", "") is { } of)
        {
            if (!Enum.TryParse(of, ignoreCase: true, out onFailure) || !Enum.IsDefined(onFailure))
            {
                ctx.Error(DefinitionReader.Value(root, "onFailure"), "onFailure", $"'{YamlGuard.Cut(of)}' is not valid: use compensate or hold");
            }
        }

        var requires = RequiresParser.Parse(ctx, DefinitionReader.Value(root, "requires"));
        var permissions = PermissionsParser.Parse(ctx, DefinitionReader.Value(root, "permissions"));
        var notify = NotifyParser.Parse(ctx, DefinitionReader.Value(root, "notify"), channels);
        var triggers = TriggersParser.Parse(ctx, DefinitionReader.Value(root, "triggers"));
        var steps = new StepsParser(this.actions).Parse(ctx, DefinitionReader.Value(root, "steps"));
        if (DefinitionReader.Value(root, "steps") is null)
        {
            ctx.Error(root, "steps", "is required: a workflow needs at least one step");
        }

        var planGate = PlanParser.Parse(ctx, DefinitionReader.Value(root, "plan"));
        if (planGate is not null && steps.FirstOrDefault(s => s.Def.Id == WorkflowDefinition.PlanApprovalStepId) is { } taken)
        {
            ctx.Error(DefinitionReader.Value(taken.Node, "id") ?? taken.Node, taken.Path + ".id", $"'{WorkflowDefinition.PlanApprovalStepId}' is the id of the approval that plan: required adds; give this step another id");
        }

        var references = new ReferenceChecker(ctx, this.actions);
        references.CheckGraph(steps, root);
        references.CheckExpressions(inputs, steps, concurrency, root);

        if (ctx.HasErrors || name is null)
        {
            return new ParseResult(null, ctx.Errors);
        }

        var def = new WorkflowDefinition
        {
            Name = name,
            Description = description,
            Version = VersionOf(text),
            Source = file,
            Inputs = inputs.Select(i => i.Def).ToList(),
            Concurrency = concurrency,
            OnFailure = onFailure,
            Requires = requires,
            Permissions = permissions,
            Notify = notify,
            Triggers = triggers,
            PlanRequired = planGate is not null,
            Steps = planGate is null ? steps.Select(s => s.Def).ToList() : PlanParser.WithPlanApproval(planGate, steps.Select(s => s.Def)),
        };
        return new ParseResult(def, []);
    }

    /// <summary>Loads the text's first document; reports a syntax error, or a document that is no mapping.</summary>
    private static YamlNode? Load(DefinitionReader ctx, string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            if (YamlReader.ShapeOf(root) != YamlShape.Mapping)
            {
                ctx.Error(root, "", "the file must hold one YAML mapping with name, steps, …");
                return null;
            }

            return root;
        }
        catch (YamlException e)
        {
            ctx.SyntaxError((int)e.Start.Line, (int)e.Start.Column, $"YAML syntax: {Inner(e).Message}");
            return null;
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is YamlException ie ? Inner(ie) : e;
}
