using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Definitions;

/// <summary>Checks run inputs against a definition's typed inputs and fills in defaults.</summary>
public static class InputValidator
{
    /// <summary>
    /// Validates <paramref name="provided"/> and returns the complete inputs: defaults filled in,
    /// values converted to their type (forms send text), secrets wrapped in <see cref="Secret"/>.
    /// </summary>
    /// <param name="definition">The workflow.</param>
    /// <param name="provided">The values given.</param>
    /// <param name="previous">For a retry with edited inputs: the run's current inputs; values not given keep them.</param>
    /// <exception cref="InputValidationException">Naming every bad field.</exception>
    public static JsonObject Validate(WorkflowDefinition definition, IReadOnlyDictionary<string, JsonNode?> provided, JsonObject? previous = null)
    {
        var errors = new List<FieldError>();
        foreach (var key in provided.Keys)
        {
            if (definition.Inputs.All(i => i.Name != key))
            {
                errors.Add(new FieldError($"inputs.{key}", $"unknown input; '{definition.Name}' takes: {(definition.Inputs.Count == 0 ? "no inputs" : string.Join(", ", definition.Inputs.Select(i => i.Name)))}"));
            }
        }

        var result = new JsonObject();
        foreach (var input in definition.Inputs)
        {
            provided.TryGetValue(input.Name, out var value);
            if (IsEmpty(value) && previous is not null && previous.TryGetPropertyValue(input.Name, out var prev))
            {
                result[input.Name] = Expressions.JsonNodes.Clone(prev);
                continue;
            }

            if (IsEmpty(value))
            {
                value = Expressions.JsonNodes.Clone(input.Default);
            }

            if (IsEmpty(value))
            {
                if (input.Required)
                {
                    errors.Add(new FieldError($"inputs.{input.Name}", "is required"));
                }

                result[input.Name] = null;
                continue;
            }

            if (Check(input, value!, out var normalized) is { } error)
            {
                errors.Add(new FieldError($"inputs.{input.Name}", error));
            }
            else
            {
                result[input.Name] = normalized;
            }
        }

        if (errors.Count > 0)
        {
            throw new InputValidationException(errors);
        }

        return result;
    }

    /// <summary>Checks one value; returns an error message, or null with the normalized value.</summary>
    public static string? Check(InputDefinition input, JsonNode value, out JsonNode? normalized)
    {
        normalized = null;
        var text = value is JsonValue v && v.TryGetValue(out string? s) ? s
            : value is JsonValue sv && sv.TryGetValue(out Secret? sec) ? sec.Reveal()
            : value is JsonValue ? value.ToJsonString() : null;
        if (text is null)
        {
            return $"must be a single {input.Type.ToString().ToLowerInvariant()} value, not {value.GetValueKind().ToString().ToLowerInvariant()}";
        }

        switch (input.Type)
        {
            case InputType.Int:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    return $"'{text}' is not a whole number";
                }

                normalized = JsonValue.Create(n);
                return null;
            case InputType.Bool:
                if (!bool.TryParse(text, out var b))
                {
                    return $"'{text}' is not true or false";
                }

                normalized = JsonValue.Create(b);
                return null;
            case InputType.Enum:
                if (!input.Values.Contains(text, StringComparer.Ordinal))
                {
                    return $"'{text}' is not one of: {string.Join(", ", input.Values)}";
                }

                break;
            case InputType.Ip:
                if (!IPAddress.TryParse(text, out _) || text.Contains('/', StringComparison.Ordinal))
                {
                    return $"'{text}' is not an IP address";
                }

                break;
            case InputType.Cidr:
                if (!IPNetwork.TryParse(text, out var net))
                {
                    return $"'{text}' is not a network in CIDR notation (e.g. 10.0.0.0/24)";
                }

                if (!string.Equals(net.ToString(), text, StringComparison.OrdinalIgnoreCase))
                {
                    return $"'{text}' has host bits set; the network is {net}";
                }

                break;
        }

        if (input.Pattern is { } pattern && !Regex.IsMatch(text, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return input.IsSecret ? $"does not match the pattern {pattern}" : $"'{text}' does not match the pattern {pattern}";
        }

        normalized = input.IsSecret ? JsonValue.Create(new Secret(text)) : JsonValue.Create(text);
        return null;
    }

    private static bool IsEmpty(JsonNode? value) =>
        value is null || (value is JsonValue v && v.TryGetValue(out string? s) && s.Length == 0) || value.GetValueKind() == JsonValueKind.Null;
}
