using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;

namespace Workflows.Web.Components.Shared;

/// <summary>How the portal writes times, durations and JSON values.</summary>
public static class Formatting
{
    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true };

    /// <summary>Formats a time in UTC, or a dash.</summary>
    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "–";

    /// <summary>Formats the span between two times, using <paramref name="now"/> when the end is unknown; a dash when the start is unknown.</summary>
    public static string Duration(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now) =>
        start is { } s ? Duration((end ?? now) - s) : "–";

    /// <summary>Formats a duration compactly: 850ms, 12s, 3m 05s, 2h 10m.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds < 1 ? $"{(int)d.TotalMilliseconds}ms"
            : d.TotalMinutes < 1 ? $"{(int)d.TotalSeconds}s"
            : d.TotalHours < 1 ? $"{d.Minutes}m {d.Seconds:00}s"
            : $"{(int)d.TotalHours}h {d.Minutes:00}m";
    }

    /// <summary>Formats a JSON value for display: strings bare, everything else as indented JSON.</summary>
    public static string Json(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(Indented),
    };
}
