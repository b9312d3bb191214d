using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions;

namespace Workflows.Web.Components.Shared;

/// <summary>How the portal writes times, durations and JSON values.</summary>
public static class Formatting
{
    // Relaxed escaping: the portal shows JSON to people, so a certificate's '+' stays '+' instead of \u002B
    // (Blazor escapes the text for HTML itself).
    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The culture the portal's date and time controls use, whatever the server's or the browser's language: the
    /// invariant culture with ISO dates (<c>yyyy-MM-dd</c>), 24-hour times (<c>HH:mm</c>) and weeks from Monday, so a
    /// picker writes a day the way the portal writes times (<see cref="Time"/>) and the address writes days.
    /// </summary>
    public static readonly CultureInfo IsoCulture = CreateIsoCulture();

    /// <summary>What the portal shows for an empty or absent value.</summary>
    public const string Empty = "—";

    /// <summary>What the portal shows for a secret that has no value.</summary>
    public const string NotSet = "not set";

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

    /// <summary>Formats a JSON value for display: strings bare, null and empty strings as a dash, everything else as indented, unescaped JSON.</summary>
    public static string Json(JsonNode? node) => node switch
    {
        null => Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() is { Length: > 0 } text ? text : Empty,
        _ => node.ToJsonString(Indented),
    };

    /// <summary>Returns whether a value is absent, null or an empty string.</summary>
    public static bool IsEmpty(JsonNode? node) =>
        node is null || (node is JsonValue v && (v.GetValueKind() == JsonValueKind.Null || (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0)));

    /// <summary>Formats a secret input: "not set" when it has no value, else the mask; the value itself is never shown.</summary>
    public static string Secret(JsonNode? node) => IsEmpty(node) ? NotSet : Abstractions.Secrets.Secret.Mask;

    private static CultureInfo CreateIsoCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var format = culture.DateTimeFormat;
        format.DateSeparator = "-";
        format.TimeSeparator = ":";
        format.ShortDatePattern = "yyyy-MM-dd";
        format.LongDatePattern = "yyyy-MM-dd";
        format.ShortTimePattern = "HH:mm";
        format.LongTimePattern = "HH:mm:ss";
        format.FullDateTimePattern = "yyyy-MM-dd HH:mm:ss";
        format.AMDesignator = "";
        format.PMDesignator = "";
        format.FirstDayOfWeek = DayOfWeek.Monday;
        return CultureInfo.ReadOnly(culture);
    }
}
