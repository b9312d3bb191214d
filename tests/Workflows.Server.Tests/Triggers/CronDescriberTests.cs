using Cronos;
using CsCheck;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Triggers;

/// <summary>The cron expression said in plain language, for the schedules page and the API's <c>description</c>.</summary>
public sealed class CronDescriberTests
{
    public static TheoryData<string, string> Examples => new()
    {
        { "* * * * *", "every minute" },
        { "*/15 * * * *", "every 15 minutes" },
        { "0/15 * * * *", "every 15 minutes" },
        { "5/15 * * * *", "every 15 minutes from minute 5" },
        { "*/5 9-17 * * *", "every 5 minutes from 09:00 to 17:59" },
        { "0 * * * *", "every hour" },
        { "30 * * * *", "every hour at minute 30" },
        { "0 */2 * * *", "every 2 hours from 00:00" },
        { "0 9-17 * * 1-5", "every hour from 09:00 to 17:00 on Monday–Friday" },
        { "0 3 * * *", "at 03:00 every day" },
        { "0 3 * * 1-5", "at 03:00 on Monday–Friday" },
        { "0 3 * * MON-FRI", "at 03:00 on Monday–Friday" },
        { "0 3 * * mon,tue,wed,thu,fri", "at 03:00 on Monday–Friday" },
        { "0 3 * * 1,3,5", "at 03:00 on Monday, Wednesday and Friday" },
        { "0 3 * * 6,0", "at 03:00 on Saturday and Sunday" },
        { "0 3 * * 7", "at 03:00 on Sunday" },
        { "0 3 * * 0-6", "at 03:00 every day" },
        { "0 0 1 * *", "at 00:00 on day 1 of the month" },
        { "0 0 1,15 * *", "at 00:00 on days 1 and 15 of the month" },
        { "0 0 1-7 * *", "at 00:00 on days 1–7 of the month" },
        { "0 0 L * *", "at 00:00 on the last day of the month" },
        { "0 0 L-2 * *", "at 00:00 2 days before the last day of the month" },
        { "0 0 LW * *", "at 00:00 on the last weekday of the month" },
        { "0 0 15W * *", "at 00:00 on the weekday nearest day 15 of the month" },
        { "0 0 * * 5L", "at 00:00 on the last Friday of the month" },
        { "0 0 * * FRI#3", "at 00:00 on the third Friday of the month" },
        { "0 0 1 1 *", "at 00:00 on day 1 of January" },
        { "0 0 1 JAN,JUL *", "at 00:00 on day 1 of the month in January and July" },
        { "0 0 * 3-5 *", "at 00:00 every day in March–May" },
        { "0 0 13 * 5", "at 00:00 on day 13 of the month if it is Friday" },
        { "30 8,12,17 * * *", "at 08:30, 12:30 and 17:30 every day" },
        { "0,30 9 * * *", "at 09:00 and 09:30 every day" },
        { "0 0,30 * * * *", "every hour at minutes 0 and 30" },
        { "30 0 3 * * *", "at 03:00:30 every day" },
        { "* * * * * *", "every second" },
        { "*/10 * * * * *", "every 10 seconds" },
        { "@daily", "at 00:00 every day" },
        { "@hourly", "every hour" },
        { "@monthly", "at 00:00 on day 1 of the month" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Describe_SaysTheExpressionInPlainLanguage(string cron, string expected)
    {
        Assert.Equal(expected, CronDescriber.Describe(cron));
    }

    [Fact]
    public void Cronos_MatchesADayWhenBothDayFieldsMatch_AsTheDescriptionSays()
    {
        // "0 0 13 * 5" is said as "on day 13 of the month if it is Friday": Cronos ANDs the two day fields (Vixie cron would OR them).
        var next = CronExpression.Parse("0 0 13 * 5").GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(new DateTime(2026, 2, 13, 0, 0, 0, DateTimeKind.Utc), next);
    }

    [Theory]
    [InlineData("not a cron")]
    [InlineData("1 2 3")]
    [InlineData("")]
    [InlineData("0 0 * * FRI#9")]
    public void Describe_ReturnsTheRawExpression_WhenItCannotSayIt(string cron)
    {
        Assert.Equal(cron.Trim(), CronDescriber.Describe(cron));
    }

    [Fact]
    public void Describe_NeverThrows_ForAnyExpressionCronosAccepts()
    {
        Expressions.Sample(cron =>
        {
            var description = CronDescriber.Describe(cron);
            Assert.False(string.IsNullOrWhiteSpace(description));
        }, iter: 3000);
    }

    [Fact]
    public void Describe_ReadsDayNamesAndNumbersAlike()
    {
        Gen.Int[0, 6].Array[1, 7].Sample(days =>
        {
            string[] names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
            var byNumber = CronDescriber.Describe("0 3 * * " + string.Join(',', days));
            var byName = CronDescriber.Describe("0 3 * * " + string.Join(',', days.Select(d => names[d])));
            Assert.Equal(byNumber, byName);
            Assert.DoesNotContain("* *", byNumber, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Describe_SaysEverySingleTimeOfDay()
    {
        Gen.Select(Gen.Int[0, 23], Gen.Int[0, 59]).Sample((hour, minute) =>
            Assert.Equal($"at {hour:00}:{minute:00} every day", CronDescriber.Describe($"{minute} {hour} * * *")));
    }

    /// <summary>Random expressions from the grammar Cronos reads, kept when Cronos accepts them.</summary>
    private static Gen<string> Expressions =>
        Gen.Select(Gen.Bool, Field(0, 59), Field(0, 59), Field(0, 23), DayOfMonth, Field(1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]), DayOfWeek)
            .Select((seconds, s, m, h, dom, mon, dow) => seconds ? $"{s} {m} {h} {dom} {mon} {dow}" : $"{m} {h} {dom} {mon} {dow}")
            .Where(Accepted);

    private static Gen<string> DayOfMonth => Gen.Frequency(
        (6, Field(1, 31)),
        (1, Gen.Int[0, 2].Select(i => new[] { "L", "LW", "?" }[i])),
        (1, Gen.Int[0, 30].Select(n => $"L-{n}")),
        (1, Gen.Int[1, 31].Select(n => $"{n}W")));

    private static Gen<string> DayOfWeek => Gen.Frequency(
        (6, Field(0, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])),
        (1, Gen.Const("?")),
        (1, Gen.Int[0, 7].Select(n => $"{n}L")),
        (1, Gen.Select(Gen.Int[0, 7], Gen.Int[1, 5]).Select((d, n) => $"{d}#{n}")));

    private static Gen<string> Field(int min, int max, string[]? names = null)
    {
        var value = names is null
            ? Gen.Int[min, max].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : Gen.Frequency((2, Gen.Int[min, max].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))), (1, Gen.Int[0, names.Length - 1].Select(i => names[i].ToLowerInvariant())));
        var item = Gen.Frequency(
            (3, Gen.Const("*")),
            (4, value),
            (3, Gen.Select(value, value).Select((a, b) => $"{a}-{b}")),
            (2, Gen.Int[1, max - min + 2].Select(s => $"*/{s}")),
            (2, Gen.Select(value, Gen.Int[1, max - min + 2]).Select((a, s) => $"{a}/{s}")),
            (1, Gen.Select(value, value, Gen.Int[1, 10]).Select((a, b, s) => $"{a}-{b}/{s}")));
        return Gen.Frequency((4, item), (1, item.Array[2, 4].Select(items => string.Join(',', items))));
    }

    private static bool Accepted(string cron)
    {
        try
        {
            CronExpression.Parse(cron, cron.Split(' ').Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }
}
