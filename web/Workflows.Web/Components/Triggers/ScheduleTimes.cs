using System.Globalization;

namespace Workflows.Web.Components.Triggers;

/// <summary>How the schedule pages write a fire time: in the schedule's own zone, with its offset.</summary>
public static class ScheduleTimes
{
    /// <summary>Formats a time with the offset it carries (a schedule's next fires carry their zone's), e.g. <c>Mon 2026-03-02 03:00 +01:00</c>.</summary>
    public static string InZone(DateTimeOffset at) =>
        at.ToString("ddd yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + at.ToString("zzz", CultureInfo.InvariantCulture);

    /// <summary>Converts a time to a zone (unknown zones stay as they are).</summary>
    public static DateTimeOffset ToZone(DateTimeOffset at, string timeZone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? TimeZoneInfo.ConvertTime(at, zone) : at;
}
