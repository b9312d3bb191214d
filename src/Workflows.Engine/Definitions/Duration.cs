using System.Globalization;
using System.Text.RegularExpressions;

namespace Workflows.Engine.Definitions;

/// <summary>Parses durations such as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>.</summary>
public static partial class Duration
{
    /// <summary>Parses a duration, or returns null with a reason.</summary>
    public static TimeSpan? TryParse(string text, out string? error)
    {
        error = null;
        var t = text.Trim();
        if (t.Length == 0 || !DurationRegex().IsMatch(t))
        {
            error = $"'{Abstractions.Definitions.InputRules.Preview(text)}' is not a duration: use a number with a unit (ms, s, m, h, d), e.g. 30s, 5m, 1h30m";
            return null;
        }

        var total = TimeSpan.Zero;
        try
        {
            foreach (Match m in PartRegex().Matches(t))
            {
                var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                total += m.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
            }
        }
        catch (OverflowException)
        {
            error = $"'{Abstractions.Definitions.InputRules.Preview(text)}' is longer than any duration can be (at most about 10 million days)";
            return null;
        }

        return total;
    }

    /// <summary>Formats a duration compactly (e.g. 1h30m, 250ms).</summary>
    public static string Format(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1))
        {
            return $"{(int)d.TotalMilliseconds}ms";
        }

        var parts = new List<string>();
        if (d.Days > 0)
        {
            parts.Add($"{d.Days}d");
        }

        if (d.Hours > 0)
        {
            parts.Add($"{d.Hours}h");
        }

        if (d.Minutes > 0)
        {
            parts.Add($"{d.Minutes}m");
        }

        if (d.Seconds > 0 || d.Milliseconds > 0)
        {
            parts.Add(d.Milliseconds > 0 ? $"{d.Seconds + (d.Milliseconds / 1000.0):0.###}s" : $"{d.Seconds}s");
        }

        return string.Concat(parts);
    }

    [GeneratedRegex(@"\A(\d+(\.\d+)?(ms|s|m|h|d))+\z")]
    private static partial Regex DurationRegex();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h|d)")]
    private static partial Regex PartRegex();
}
