using System.Globalization;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>An input as read, with the node its problems (and references to it) point at.</summary>
/// <param name="Def">The input.</param>
/// <param name="Node">Its key in <c>inputs:</c>.</param>
internal sealed record ParsedInput(InputDefinition Def, YamlNode Node);

/// <summary>
/// Reads <c>inputs:</c>, a mapping of input name to a type (<c>host: string</c>) or to its type and options
/// (<c>host: { type: string, required: true, pattern: "[a-z]+" }</c>). A default is checked as a run's value would be.
/// </summary>
internal static class InputsParser
{
    private static readonly string[] Keys = ["type", "required", "default", "pattern", "patternHint", "maxLength", "description", "values"];
    private static readonly string[] TypeNames = [.. Enum.GetNames<InputType>().Select(n => n.ToLowerInvariant())];

    public static List<ParsedInput> Parse(DefinitionReader ctx, YamlNode? node)
    {
        var list = new List<ParsedInput>();
        if (node is null)
        {
            return list;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, "inputs", "must be a mapping of input name to its type and options");
            return list;
        }

        foreach (var entry in ctx.Entries(node, "inputs"))
        {
            var name = entry.Key;
            var k = entry.KeyNode!;
            var path = $"inputs.{YamlGuard.Cut(name)}";
            if (!DefinitionNames.Identifier().IsMatch(name))
            {
                ctx.Error(k, path, $"'{YamlGuard.Cut(name)}' is not a valid input name: use letters, digits and '_', starting with a letter");
                continue;
            }

            switch (YamlReader.ShapeOf(entry.Value))
            {
                case YamlShape.Scalar or YamlShape.Empty:
                    // Short form "name: string".
                    if (ParseType(ctx, entry.Value, path) is { } t)
                    {
                        list.Add(new ParsedInput(new InputDefinition { Name = name, Type = t }, k));
                    }

                    break;
                case YamlShape.Mapping:
                    list.Add(new ParsedInput(ParseOptions(ctx, entry.Value, name, path), k));
                    break;
                default:
                    ctx.Error(entry.Value, path, "must be a type name or a mapping with type, required, default, pattern, patternHint, maxLength, description, values");
                    break;
            }
        }

        return list;
    }

    private static InputDefinition ParseOptions(DefinitionReader ctx, YamlNode im, string name, string path)
    {
        ctx.CheckKeys(im, path, Keys);
        var type = InputType.String;
        if (DefinitionReader.Value(im, "type") is { } tn)
        {
            type = ParseType(ctx, tn, path + ".type") ?? InputType.String;
        }

        var values = ctx.Names(DefinitionReader.Value(im, "values"), path + ".values");
        if (type == InputType.Enum && values.Count == 0)
        {
            ctx.Error(DefinitionReader.Value(im, "type"), path + ".values", "an enum needs a non-empty list of values");
        }

        var pattern = ParsePattern(ctx, im, path);
        var patternHint = ctx.OptionalString(im, "patternHint", path);
        if (patternHint is not null && DefinitionReader.Value(im, "pattern") is null)
        {
            ctx.Error(DefinitionReader.Value(im, "patternHint"), path + ".patternHint", "says what a pattern asks for, but this input has no pattern: add pattern: or remove patternHint:");
            patternHint = null;
        }
        else if (patternHint is not null && (patternHint.Trim().Length == 0 || patternHint.Length > 200 || patternHint.Any(char.IsControl)))
        {
            ctx.Error(DefinitionReader.Value(im, "patternHint"), path + ".patternHint", "must be a short text in words (1 to 200 characters on one line), e.g. \"lowercase letters, digits and '-'\"");
            patternHint = null;
        }

        var maxLength = ctx.OptionalInt(im, "maxLength", path);
        if (maxLength is < 1 or > InputRules.MaxMaxLength)
        {
            ctx.Error(DefinitionReader.Value(im, "maxLength"), path + ".maxLength", FormattableString.Invariant($"must be between 1 and {InputRules.MaxMaxLength:N0} characters, not {maxLength:N0}"));
            maxLength = null;
        }

        JsonNode? def = null;
        if (DefinitionReader.Value(im, "default") is { } dn)
        {
            def = YamlReader.ToJson(dn);
            if (type == InputType.Secret && def is not null)
            {
                ctx.Error(dn, path + ".default", "a secret cannot have a default in the definition file; pass it at run time");
            }
            else if (def is not null)
            {
                var probe = new InputDefinition { Name = name, Type = type, Pattern = pattern, PatternHint = patternHint, Values = values, MaxLength = maxLength };
                if (InputValidator.Check(probe, def, out _) is { } err)
                {
                    ctx.Error(dn, path + ".default", err);
                }
            }
        }

        return new InputDefinition
        {
            Name = name,
            Type = type,
            Required = ctx.OptionalBool(im, "required", path) ?? false,
            Default = def,
            Pattern = pattern,
            PatternHint = patternHint,
            MaxLength = maxLength,
            Description = ctx.OptionalString(im, "description", path),
            Values = values,
        };
    }

    private static string? ParsePattern(DefinitionReader ctx, YamlNode im, string path)
    {
        var pattern = ctx.OptionalString(im, "pattern", path);
        if (pattern is { Length: > DefinitionLimits.MaxPatternLength })
        {
            ctx.Error(DefinitionReader.Value(im, "pattern"), path + ".pattern", FormattableString.Invariant($"is {pattern.Length:N0} characters long; a pattern may have at most {DefinitionLimits.MaxPatternLength:N0}"));
            return null;
        }

        if (pattern is not null)
        {
            try
            {
                // Compiled as values are matched (whole value), so a pattern that only works unwrapped is caught here.
                _ = InputRules.WholeValuePattern(pattern);
            }
            catch (ArgumentException e)
            {
                ctx.Error(DefinitionReader.Value(im, "pattern"), path + ".pattern", $"is not a valid regular expression: {e.Message}");
                return null;
            }
        }

        return pattern;
    }

    private static InputType? ParseType(DefinitionReader ctx, YamlNode node, string path)
    {
        var text = YamlReader.TextOf(node) ?? "";
        if (Enum.TryParse<InputType>(text, ignoreCase: true, out var t) && Enum.IsDefined(t) && !int.TryParse(text, CultureInfo.InvariantCulture, out _))
        {
            return t;
        }

        ctx.Error(node, path, $"unknown type '{YamlGuard.Cut(text)}'{YamlReader.DidYouMean(text, TypeNames)}: use string, int, bool, enum, cidr, ip, secret or cloud");
        return null;
    }
}
