using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Web.Components.Workflows;

/// <summary>
/// Checks form values against their input definitions before submission, so mistakes show next to
/// the field at once. The engine validates again on start; its messages are shown the same way.
/// </summary>
public static class InputValidation
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

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

        var typeError = input.Type switch
        {
            InputType.Int when !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "Must be a whole number.",
            InputType.Cidr when !IsCidr(text) => "Must be a network in CIDR notation, e.g. 10.0.0.0/24.",
            InputType.Ip when !IsIp(text) => "Must be an IPv4 or IPv6 address.",
            InputType.Enum when input.Values.Count > 0 && !input.Values.Contains(text, StringComparer.Ordinal) => $"Must be one of: {string.Join(", ", input.Values)}.",
            _ => null,
        };
        if (typeError is not null)
        {
            return typeError;
        }

        if (!string.IsNullOrEmpty(input.Pattern) && input.Type is InputType.String or InputType.Secret or InputType.Cloud)
        {
            try
            {
                if (!Regex.IsMatch(text, $"^(?:{input.Pattern})$", RegexOptions.CultureInvariant, PatternTimeout))
                {
                    // Never echo a secret's text; the pattern is part of the definition and safe to show.
                    return $"Must match the pattern {input.Pattern}.";
                }
            }
            catch (ArgumentException)
            {
                return null; // a broken pattern is the definition's problem; the engine reports it.
            }
            catch (RegexMatchTimeoutException)
            {
                return "Could not be checked against the pattern in time.";
            }
        }

        return null;
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

    private static bool IsCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IsIp(text[..slash]) || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            return false;
        }

        var max = IPAddress.Parse(text[..slash]).AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        return prefix <= max;
    }

    private static bool IsIp(string text)
    {
        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        // IPAddress.TryParse also accepts shorthands such as "10" or "10.1"; an input wants all four parts.
        return address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3;
    }
}
