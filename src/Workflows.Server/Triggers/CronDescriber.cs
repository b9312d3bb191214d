using System.Globalization;
using System.Text;

namespace Workflows.Server.Triggers;

/// <summary>
/// Says a cron expression in plain English ("at 03:00 on Monday–Friday", "every 15 minutes", "at 00:00 on day 1 of the month"),
/// for the 5-field and 6-field (seconds first) syntax Cronos accepts: <c>*</c>, <c>?</c>, lists, ranges, steps, month and day names,
/// <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>nW</c> in the day of month, <c>nL</c> and <c>n#k</c> in the day of week, and the macros.
/// </summary>
/// <remarks>
/// Every field is expanded to the set of values it matches and said from that set, so equivalent spellings read alike
/// (<c>1-5</c>, <c>MON-FRI</c>, <c>1,2,3,4,5</c>). Anything it cannot say well, or cannot parse, comes back as the raw expression:
/// <see cref="Describe"/> never throws.
/// </remarks>
public static class CronDescriber
{
    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];
    private static readonly string[] DayNames = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;
    private static readonly string[] Ordinals = ["", "first", "second", "third", "fourth", "fifth"];

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@every_second"] = "every second",
        ["@every_minute"] = "every minute",
        ["@hourly"] = "every hour",
        ["@daily"] = "at 00:00 every day",
        ["@midnight"] = "at 00:00 every day",
        ["@weekly"] = "at 00:00 on Sunday",
        ["@monthly"] = "at 00:00 on day 1 of the month",
        ["@yearly"] = "at 00:00 on day 1 of January",
        ["@annually"] = "at 00:00 on day 1 of January",
    };

    /// <summary>Returns the expression in plain language, or the expression itself when it cannot be said well.</summary>
    /// <param name="cron">A cron expression (5 fields, or 6 with seconds first, or a macro such as <c>@daily</c>).</param>
    public static string Describe(string cron)
    {
        ArgumentNullException.ThrowIfNull(cron);
        try
        {
            return TryDescribe(cron) ?? cron.Trim();
        }
#pragma warning disable CA1031 // a description is a courtesy: any surprise falls back to the raw expression
        catch (Exception)
#pragma warning restore CA1031
        {
            return cron.Trim();
        }
    }

    /// <summary>Returns the expression in plain language, or null when it cannot be said well.</summary>
    /// <param name="cron">A cron expression.</param>
    public static string? TryDescribe(string cron)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var text = cron.Trim();
        if (Macros.TryGetValue(text, out var macro))
        {
            return macro;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (5 or 6))
        {
            return null;
        }

        var withSeconds = parts.Length == 6;
        var seconds = withSeconds ? Parse(parts[0], 0, 59, null) : Field.Single(0, 0, 59);
        var offset = withSeconds ? 1 : 0;
        var minutes = Parse(parts[offset], 0, 59, null);
        var hours = Parse(parts[offset + 1], 0, 23, null);
        var months = Parse(parts[offset + 3], 1, 12, MonthAbbreviations);
        var time = seconds is null || minutes is null || hours is null ? null : DescribeTime(seconds, minutes, hours);
        var days = DescribeDays(parts[offset + 2], parts[offset + 4], months);
        if (time is null || days is null || months is null)
        {
            return null;
        }

        var sb = new StringBuilder(time.Text);
        if (days.Length > 0)
        {
            sb.Append(' ').Append(days);
        }
        else if (time.Daily)
        {
            sb.Append(" every day");
        }

        if (!months.All && !(days.Length > 0 && months.Count == 1))
        {
            sb.Append(" in ").Append(Join(months.Runs().Select(r => Span(MonthNames[r.From - 1], MonthNames[r.To - 1], r))));
        }

        return sb.ToString();
    }

    private static readonly string[] MonthAbbreviations = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayAbbreviations = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private sealed record TimeText(string Text, bool Daily);

    private static TimeText? DescribeTime(Field s, Field m, Field h)
    {
        // A handful of exact times of day: "at 03:00", "at 09:00 and 17:30", "at 12:00:30".
        if (s.Count * m.Count * h.Count <= 6 && !(s.All || m.All || h.All))
        {
            var times = from hour in h.Values from minute in m.Values from second in s.Values select Clock(hour, minute, second);
            return new("at " + Join(times.ToList()), true);
        }

        if (s.All)
        {
            return m.All && h.All ? new("every second", false) : null;
        }

        var secondPart = s.IsSingle(0) ? "" : s.Count == 1 ? $"at second {s.Values[0]} " : null;
        if (secondPart is null)
        {
            return s.Step is { } ss && m.All && h.All ? new($"every {ss.Step} seconds{From(ss.From, 0, n => $"second {n}")}", false) : null;
        }

        if (m.All || m.Step is not null)
        {
            if (Hours(h) is not { } within)
            {
                return null;
            }

            return m.Step is { } ms
                ? new($"{secondPart}every {ms.Step} minutes{From(ms.From, 0, n => $"minute {n}")}{within}", false)
                : new(secondPart + "every minute" + within, false);
        }

        if (m.Count == 1)
        {
            var minute = m.Values[0];
            var second = s.Values[0];
            if (h.All)
            {
                return new(minute == 0 && second == 0 ? "every hour" : $"every hour at {Past(minute, second)}", false);
            }

            if (h.Step is { } hs)
            {
                return new($"every {hs.Step} hours from {Clock(hs.From, minute, second)}", false);
            }

            if (h.Runs().Count == 1)
            {
                var run = h.Runs()[0];
                return new($"every hour from {Clock(run.From, minute, second)} to {Clock(run.To, minute, second)}", false);
            }

            if (h.Count <= 8)
            {
                return new("at " + Join(h.Values.Select(x => Clock(x, minute, second)).ToList()), true);
            }

            return null;
        }

        if (h.All && m.Count <= 6 && s.IsSingle(0))
        {
            return new($"every hour at minutes {Join(m.Values.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToList())}", false);
        }

        return null;
    }

    private static string? Hours(Field h)
    {
        if (h.All)
        {
            return "";
        }

        var runs = h.Runs();
        if (runs.Count == 1)
        {
            return runs[0].From == runs[0].To
                ? $" from {Clock(runs[0].From, 0, 0)} to {Clock(runs[0].From, 59, 0)}"
                : $" from {Clock(runs[0].From, 0, 0)} to {Clock(runs[0].To, 59, 0)}";
        }

        return h.Count <= 6 ? $" during hours {Join(h.Values.Select(x => x.ToString("00", CultureInfo.InvariantCulture)).ToList())}" : null;
    }

    private static string? DescribeDays(string dom, string dow, Field? months)
    {
        if (months is null)
        {
            return null;
        }

        var anyDom = dom is "*" or "?";
        var anyDow = dow is "*" or "?";
        var single = months.Count == 1 ? MonthNames[months.Values[0] - 1] : null;
        var ofMonth = single is null ? "of the month" : "of " + single;
        string? days = anyDom ? "" : DayOfMonth(dom, ofMonth);
        string? weekdays = anyDow ? "" : DayOfWeek(dow, ofMonth);
        if (days is null || weekdays is null)
        {
            return null;
        }

        if (days.Length > 0 && weekdays.Length > 0)
        {
            // Cronos matches a day when both fields match (unlike Vixie cron's either).
            return $"{days} if it is {weekdays["on ".Length..]}";
        }

        return days + weekdays;
    }

    private static string? DayOfMonth(string field, string ofMonth)
    {
        var f = field.ToUpperInvariant();
        if (f == "L")
        {
            return "on the last day " + ofMonth;
        }

        if (f == "LW")
        {
            return "on the last weekday " + ofMonth;
        }

        if (f.StartsWith("L-", StringComparison.Ordinal) && int.TryParse(f[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var before))
        {
            return before == 0 ? "on the last day " + ofMonth : $"{before} day{(before == 1 ? "" : "s")} before the last day {ofMonth}";
        }

        if (f.EndsWith('W') && int.TryParse(f[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var near))
        {
            return $"on the weekday nearest day {near} {ofMonth}";
        }

        var days = Parse(f, 1, 31, null);
        if (days is null || days.All)
        {
            return days is null ? null : "";
        }

        if (days.Step is { } step)
        {
            return $"every {step.Step} days{(step.From == 1 ? "" : $" from day {step.From}")} {ofMonth}";
        }

        return $"on day{(days.Count == 1 ? "" : "s")} {Join(days.Runs().Select(r => Span(r.From.ToString(CultureInfo.InvariantCulture), r.To.ToString(CultureInfo.InvariantCulture), r)))} {ofMonth}";
    }

    private static string? DayOfWeek(string field, string ofMonth)
    {
        var f = field.ToUpperInvariant();
        var hash = f.IndexOf('#', StringComparison.Ordinal);
        if (hash > 0)
        {
            return DayNumber(f[..hash]) is { } day && int.TryParse(f[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var nth) && nth is >= 1 and <= 5
                ? $"on the {Ordinals[nth]} {DayNames[day]} {ofMonth}"
                : null;
        }

        if (f.EndsWith('L') && f.Length > 1)
        {
            return DayNumber(f[..^1]) is { } day ? $"on the last {DayNames[day]} {ofMonth}" : null;
        }

        var days = Parse(f, 0, 7, DayAbbreviations);
        if (days is null)
        {
            return null;
        }

        // 7 is Sunday too; say the week from Monday to Sunday, as people do.
        var set = days.Values.Select(d => d % 7).ToHashSet();
        if (set.Count == 7)
        {
            return "";
        }

        // Monday first: position 0 is Monday, 6 is Sunday.
        var positions = set.Select(d => (d + 6) % 7).Order().ToList();
        var runs = new List<(int From, int To)>();
        foreach (var p in positions)
        {
            if (runs.Count > 0 && runs[^1].To == p - 1)
            {
                runs[^1] = (runs[^1].From, p);
            }
            else
            {
                runs.Add((p, p));
            }
        }

        string Name(int position) => DayNames[(position + 1) % 7];
        var names = runs.Select(r => Span(Name(r.From), Name(r.To), r)).ToList();
        return "on " + Join(names);
    }

    private static int? DayNumber(string s)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n is >= 0 and <= 7 ? n % 7 : null;
        }

        var i = Array.IndexOf(DayAbbreviations, s);
        return i >= 0 ? i : null;
    }

    private static string From(int from, int min, Func<int, string> say) => from == min ? "" : $" from {say(from)}";

    private static string Past(int minute, int second) =>
        second == 0 ? $"minute {minute}" : $"{minute:00}:{second:00} past";

    private static string Clock(int hour, int minute, int second) =>
        second == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}:{second:00}");

    private static string Span(string from, string to, (int From, int To) run) =>
        run.From == run.To ? from : run.To == run.From + 1 ? $"{from}, {to}" : $"{from}–{to}";

    private static string Join(IEnumerable<string> items)
    {
        var list = items.SelectMany(i => i.Split(", ")).ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            _ => string.Join(", ", list[..^1]) + " and " + list[^1],
        };
    }

    /// <summary>Parses a field into the values it matches, or null when it is not plain (names, numbers, *, ?, lists, ranges, steps).</summary>
    private static Field? Parse(string field, int min, int max, string[]? names)
    {
        var values = new SortedSet<int>();
        var all = false;
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0)
            {
                return null;
            }

            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var range = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                return null;
            }

            int from, to;
            if (range is "*" or "?")
            {
                (from, to) = (min, max);
                all |= step == 1;
            }
            else
            {
                var dash = range.IndexOf('-', 1);
                if (Number(dash < 0 ? range : range[..dash], names, min) is not { } a)
                {
                    return null;
                }

                from = a;
                to = dash < 0 ? (slash < 0 ? a : max) : Number(range[(dash + 1)..], names, min) ?? -1;
                if (to < from || from < min || to > max)
                {
                    return null;
                }
            }

            for (var v = from; v <= to; v += step)
            {
                values.Add(v);
            }
        }

        return new Field([.. values], min, max, all || values.Count == max - min + 1);
    }

    private static int? Number(string s, string[]? names, int min)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        var i = names is null ? -1 : Array.FindIndex(names, x => string.Equals(x, s, StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? i + min : null;
    }

    /// <summary>The values a field matches.</summary>
    private sealed record Field(int[] Values, int Min, int Max, bool All)
    {
        public int Count => Values.Length;

        /// <summary>Gets the step when the values are every n-th from a start to the end of the range (at least three of them).</summary>
        public (int From, int Step)? Step
        {
            get
            {
                if (All || Values.Length < 3)
                {
                    return null;
                }

                var step = Values[1] - Values[0];
                for (var i = 2; i < Values.Length; i++)
                {
                    if (Values[i] - Values[i - 1] != step)
                    {
                        return null;
                    }
                }

                // Only a step that runs to the end of the field reads as "every n": 0/15 does, 0-30/15 does not.
                return step > 1 && Values[^1] + step > Max && Values[0] < step + Min ? (Values[0], step) : null;
            }
        }

        public static Field Single(int value, int min, int max) => new([value], min, max, false);

        public bool IsSingle(int value) => Values.Length == 1 && Values[0] == value;

        public List<(int From, int To)> Runs()
        {
            var runs = new List<(int From, int To)>();
            foreach (var v in Values)
            {
                if (runs.Count > 0 && runs[^1].To == v - 1)
                {
                    runs[^1] = (runs[^1].From, v);
                }
                else
                {
                    runs.Add((v, v));
                }
            }

            return runs;
        }
    }
}
