using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Web.Components.Workflows;

/// <summary>
/// Checks form values against their input definitions before submission, so mistakes show next to
/// the field at once, with <see cref="InputRules"/>: the rules the engine applies again on start.
/// </summary>
public static class InputValidation
{
    /// <summary>Returns the error message for <paramref name="text"/>, or null when it is valid.</summary>
    /// <param name="input">The input's definition.</param>
    /// <param name="text">The text in the field (bools are never validated).</param>
    /// <param name="secretsOptional">Whether an empty secret is fine because it keeps an earlier value (retry).</param>
    public static string? Validate(InputDefinition input, string? text, bool secretsOptional = false)
    {
        if (input.Type == InputType.Bool)
        {
            return null;
        }

        if (string.IsNullOrEmpty(text))
        {
            var mayBeEmpty = !input.Required || input.Default is not null || (input.IsSecret && secretsOptional);
            return mayBeEmpty ? null : "Required.";
        }

        // The same rules as the engine's (type, size, whole-value pattern), so both always agree.
        return InputRules.CheckText(input, text, out _) is { } problem ? Sentence(problem) : null;
    }

    /// <summary>Returns the text to show first for an input: the given value, else its default; always empty for secrets.</summary>
    /// <param name="input">The input's definition.</param>
    /// <param name="value">A value to start from (e.g. the previous run's), or null for the default.</param>
    public static string InitialText(InputDefinition input, JsonNode? value)
    {
        if (input.IsSecret)
        {
            return "";
        }

        var node = value ?? input.Default;
        return node switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() is var s && s == Secret.Mask ? "" : s,
            _ => node.ToJsonString(),
        };
    }

    /// <summary>Returns the starting state of a bool input.</summary>
    public static bool InitialFlag(InputDefinition input, JsonNode? value)
    {
        var node = value ?? input.Default;
        return node is JsonValue v && v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => bool.TryParse(v.GetValue<string>(), out var b) && b,
            _ => false,
        };
    }

    /// <summary>Converts a field's content to the JSON value to submit, or null to leave the input out.</summary>
    public static JsonNode? ToJson(InputDefinition input, string? text, bool flag)
    {
        if (input.Type == InputType.Bool)
        {
            return JsonValue.Create(flag);
        }

        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return input.Type == InputType.Int && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? JsonValue.Create(n)
            : JsonValue.Create(text);
    }

    /// <summary>Turns a rule's message ("'x' is not …", "is … long") into a sentence to show under the field.</summary>
    private static string Sentence(string problem)
    {
        var text = problem.StartsWith('\'') ? problem
            : problem.StartsWith("the value", StringComparison.Ordinal) ? "T" + problem[1..]
            : "The value " + problem;
        return text.EndsWith('.') ? text : text + ".";
    }
}
