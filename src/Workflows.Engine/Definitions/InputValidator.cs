using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Definitions;

/// <summary>Checks run inputs against a definition's typed inputs and fills in defaults.</summary>
public static class InputValidator
{
    private const int MaxUnknownReported = 20;

    /// <summary>
    /// Validates <paramref name="provided"/> and returns the complete inputs: defaults filled in,
    /// values converted to their type (forms send text), secrets wrapped in <see cref="Secret"/>.
    /// </summary>
    /// <param name="definition">The workflow.</param>
    /// <param name="provided">The values given.</param>
    /// <param name="previous">For a retry with edited inputs: the run's current inputs; values not given keep them.</param>
    /// <param name="clouds">The configured clouds, to refuse a <c>cloud</c> input naming another; null to skip that check.</param>
    /// <exception cref="InputValidationException">Naming every bad field.</exception>
    public static JsonObject Validate(WorkflowDefinition definition, IReadOnlyDictionary<string, JsonNode?> provided, JsonObject? previous = null, ICloudDirectory? clouds = null)
    {
        var errors = new List<FieldError>();
        var unknown = provided.Keys.Where(key => definition.Inputs.All(i => i.Name != key)).ToList();
        foreach (var key in unknown.Take(MaxUnknownReported))
        {
            errors.Add(new FieldError($"inputs.{InputRules.Preview(key)}", $"unknown input; '{definition.Name}' takes: {(definition.Inputs.Count == 0 ? "no inputs" : string.Join(", ", definition.Inputs.Select(i => i.Name)))}"));
        }

        if (unknown.Count > MaxUnknownReported)
        {
            // A body with thousands of keys must not get an answer that repeats them all.
            errors.Add(new FieldError("inputs", FormattableString.Invariant($"{unknown.Count - MaxUnknownReported:N0} more unknown inputs")));
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
            else if (input.Type == InputType.Cloud && clouds is not null && normalized!.GetValue<string>() is var cloud && !clouds.Exists(cloud))
            {
                var names = clouds.Names();
                var known = names.Count == 0 ? "none" : string.Join(", ", names.Take(20)) + (names.Count > 20 ? $", … ({names.Count} in all)" : "");
                errors.Add(new FieldError($"inputs.{input.Name}", $"unknown cloud '{InputRules.Preview(cloud)}'; configured clouds: {known}"));
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

    /// <summary>Checks one value against <see cref="InputRules"/>; returns an error message, or null with the normalized value.</summary>
    public static string? Check(InputDefinition input, JsonNode value, out JsonNode? normalized) => InputRules.Check(input, value, out normalized);

    private static bool IsEmpty(JsonNode? value) =>
        value is null || (value is JsonValue v && v.TryGetValue(out string? s) && s.Length == 0) || value.GetValueKind() == JsonValueKind.Null;
}
