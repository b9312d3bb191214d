using System.Globalization;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker;

/// <summary>Parses the duration and size notations of Docker and compose files ("1m30s", "500ms", "64m", "1.5").</summary>
public static class Units
{
    /// <summary>Parses a Go-style duration ("10s", "1m30s", "250ms", "2h"); a bare number is seconds.</summary>
    /// <exception cref="StepFailedException">Code <c>inputs.invalid</c>.</exception>
    public static TimeSpan ParseDuration(string text, string field)
    {
        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            if (start == unitStart || unitStart == i || !double.TryParse(s[start..unitStart], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                throw Invalid(text, field, "a duration such as 10s, 1m30s or 500ms");
            }

            total += s[unitStart..i] switch
            {
                "ns" => TimeSpan.FromTicks((long)(n / 100)),
                "us" or "µs" => TimeSpan.FromMicroseconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => throw Invalid(text, field, "a duration such as 10s, 1m30s or 500ms"),
            };
        }

        return total;
    }

    /// <summary>Converts a duration to the nanoseconds the Docker API uses.</summary>
    public static long Nanoseconds(TimeSpan value) => value.Ticks * 100;

    /// <summary>Parses a byte size ("64m", "1g", "512k", "1048576", "64MiB").</summary>
    /// <exception cref="StepFailedException">Code <c>inputs.invalid</c>.</exception>
    public static long ParseBytes(string text, string field)
    {
        var s = text.Trim().ToLowerInvariant().Replace("ib", string.Empty, StringComparison.Ordinal).TrimEnd('b');
        var digits = s.TrimEnd('k', 'm', 'g', 't');
        if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            throw Invalid(text, field, "a size such as 64m, 1g or 1048576");
        }

        var factor = s.Length == digits.Length ? 1L : s[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
        return (long)(n * factor);
    }

    /// <summary>Converts CPUs ("0.5", "2") into the nano-CPUs of the Docker API.</summary>
    public static long NanoCpus(double cpus) => (long)(cpus * 1e9);

    private static StepFailedException Invalid(string text, string field, string expected) =>
        new("inputs.invalid", $"{field}: '{text}' is not {expected}.", retryable: false);
}
