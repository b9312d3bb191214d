using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Abstractions.Definitions;

/// <summary>
/// The rules a run input's value must follow, in one place for the engine (API, schedules, webhooks,
/// retries), the definition parser (defaults) and the portal's form, so that they always agree.
/// </summary>
/// <remarks>
/// Messages never quote more than <see cref="PreviewLength"/> characters of a value, and never any
/// of a secret's.
/// </remarks>
public static class InputRules
{
    /// <summary>The longest value of an input without <c>maxLength:</c>, in characters (64 KiB).</summary>
    public const int DefaultMaxLength = 64 * 1024;

    /// <summary>The largest <c>maxLength:</c> a definition may set, in characters (1 MiB).</summary>
    public const int MaxMaxLength = 1024 * 1024;

    /// <summary>How many characters of a bad value a message quotes (40).</summary>
    public const int PreviewLength = 40;

    /// <summary>How long one pattern match may take (1 second) before the value is refused.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>Returns the longest value <paramref name="input"/> accepts, in characters.</summary>
    public static int MaxLengthOf(InputDefinition input) => input.MaxLength ?? DefaultMaxLength;

    /// <summary>
    /// Returns <paramref name="text"/> to quote in a message: whole when short, else its first
    /// <see cref="PreviewLength"/> characters followed by "… (N characters)".
    /// </summary>
    public static string Preview(string text)
    {
        if (text.Length <= PreviewLength)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[PreviewLength - 1]) ? PreviewLength - 1 : PreviewLength;
        return $"{text[..cut]}… ({text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)";
    }

    /// <summary>
    /// Builds the regular expression that a value must match entirely: <c>\A(?:pattern)\z</c>, so that
    /// neither a prefix nor a trailing newline passes (.NET's <c>$</c> matches before a final <c>\n</c>).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The pattern is not a valid regular expression on its own (e.g. <c>a)|(b</c>, which would
    /// otherwise escape the wrapping group) or not once wrapped (e.g. <c>(?x)a#</c>).
    /// </exception>
    public static Regex WholeValuePattern(string pattern)
    {
        if (Patterns.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        _ = new Regex(pattern, RegexOptions.CultureInvariant);
        var regex = new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, PatternTimeout);
        if (Patterns.Count >= 1000)
        {
            Patterns.Clear(); // patterns come from definitions: a handful, unless files churn
        }

        return Patterns.GetOrAdd(pattern, regex);
    }

    /// <summary>Checks a JSON value given for <paramref name="input"/> (API, schedule, webhook, default).</summary>
    /// <param name="input">The input's definition.</param>
    /// <param name="value">The value; text (forms send text), a number, a bool, or a <see cref="Secret"/>.</param>
    /// <param name="normalized">The value converted to the input's type (a <see cref="Secret"/> for secrets).</param>
    /// <returns>The problem, or null when the value is valid.</returns>
    public static string? Check(InputDefinition input, JsonNode value, out JsonNode? normalized)
    {
        normalized = null;
        var text = value is JsonValue v && v.TryGetValue(out string? s) ? s
            : value is JsonValue sv && sv.TryGetValue(out Secret? sec) ? sec.Reveal()
            : value is JsonValue ? value.ToJsonString() : null;
        if (text is null)
        {
            return $"must be a single {TypeName(input.Type)} value, not {value.GetValueKind().ToString().ToLowerInvariant()}";
        }

        return CheckText(input, text, out normalized);
    }

    /// <summary>Checks the text of a value for <paramref name="input"/> (as a form field holds it).</summary>
    /// <param name="input">The input's definition.</param>
    /// <param name="text">The text, not empty.</param>
    /// <param name="normalized">The value converted to the input's type (a <see cref="Secret"/> for secrets).</param>
    /// <returns>The problem, or null when the value is valid.</returns>
    public static string? CheckText(InputDefinition input, string text, out JsonNode? normalized)
    {
        normalized = null;
        var max = MaxLengthOf(input);
        if (text.Length > max)
        {
            return $"is {text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters long; at most {max.ToString("N0", CultureInfo.InvariantCulture)} are allowed";
        }

        var quoted = input.IsSecret ? "the value" : $"'{Preview(text)}'";
        JsonNode? typed = null;
        switch (input.Type)
        {
            case InputType.Int:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    return $"{quoted} is not a whole number";
                }

                typed = JsonValue.Create(n);
                break;
            case InputType.Bool:
                if (!bool.TryParse(text, out var b))
                {
                    return $"{quoted} is not true or false";
                }

                typed = JsonValue.Create(b);
                break;
            case InputType.Enum:
                if (!input.Values.Contains(text, StringComparer.Ordinal))
                {
                    return $"{quoted} is not one of: {string.Join(", ", input.Values)}";
                }

                break;
            case InputType.Ip:
                if (!IsIp(text))
                {
                    return $"{quoted} is not an IPv4 or IPv6 address (e.g. 192.0.2.10)";
                }

                break;
            case InputType.Cidr:
                if (CidrProblem(text) is { } problem)
                {
                    return $"{quoted} {problem}";
                }

                break;
        }

        if (input.Pattern is { } pattern && input.Type != InputType.Bool)
        {
            try
            {
                if (!WholeValuePattern(pattern).IsMatch(text))
                {
                    return input.PatternHint is { } hint ? $"{quoted} is not valid: expected {hint}" : $"{quoted} does not match the pattern {pattern}";
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return $"{quoted} could not be checked against the pattern {(input.PatternHint is { } hint ? $"({hint})" : pattern)} within {PatternTimeout.TotalSeconds:0} s";
            }
            catch (ArgumentException)
            {
                return $"cannot be checked: the definition's pattern {pattern} is not a valid regular expression";
            }
        }

        normalized = typed ?? (input.IsSecret ? JsonValue.Create(new Secret(text)) : JsonValue.Create(text));
        return null;
    }

    /// <summary>
    /// Returns whether <paramref name="text"/> is an IP address written out in full: IPv4 as four decimal
    /// numbers without leading zeros (<c>10</c>, <c>10.1</c>, <c>010.0.0.1</c> and <c>0x0a.0.0.1</c>,
    /// which <see cref="IPAddress.TryParse(string, out IPAddress)"/> accepts, are refused), or IPv6.
    /// </summary>
    public static bool IsIp(string text)
    {
        if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal) || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])
            || !IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? text.Contains(':', StringComparison.Ordinal)
            : string.Equals(address.ToString(), text, StringComparison.Ordinal);
    }

    /// <summary>Returns what is wrong with <paramref name="text"/> as a network in CIDR notation, or null when it is one.</summary>
    public static string? CidrProblem(string text)
    {
        const string Expected = "is not a network in CIDR notation (e.g. 10.0.0.0/24)";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || text.Contains('%', StringComparison.Ordinal) || !IsIp(text[..slash]))
        {
            return Expected;
        }

        var digits = text[(slash + 1)..];
        if (digits.Length is 0 or > 3 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0'))
        {
            return Expected;
        }

        var bytes = IPAddress.Parse(text[..slash]).GetAddressBytes();
        var prefix = int.Parse(digits, CultureInfo.InvariantCulture);
        if (prefix > bytes.Length * 8)
        {
            return $"is not a network in CIDR notation: the prefix length is at most {bytes.Length * 8}, not {prefix}";
        }

        var network = (byte[])bytes.Clone();
        for (var bit = prefix; bit < network.Length * 8; bit++)
        {
            network[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return network.AsSpan().SequenceEqual(bytes) ? null : $"has host bits set; the network is {new IPAddress(network)}/{prefix}";
    }

    private static string TypeName(InputType type) => type.ToString().ToLowerInvariant();
}
