using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>
/// An operator narrows the runs page with every filter and pages through it, and the address keeps it all: a reload, or
/// the address opened in a fresh page, shows the same filters and the same rows (issue 16, parts 3 and 4). The search
/// also finds a run by its actor and by its error text.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class RunFiltersTests(PortalFixture portal)
{
    // The portal's page size (PortalOptions.RunsPageSize): one run more than a page fills page 2 with one row.
    private const int PageSize = 25;

    // Upper bounds for the server to answer and a run to get somewhere, not a pace.
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 30_000 };

    [BrowserFact]
    public Task EveryFilterAndThePage_AreKeptInTheAddress_AndAReloadOrAFreshPageShowsTheSameRows() => portal.RunAsync(PortalFixture.Admin, async page =>
    {
        // Runs of test-filters (Scenarios/test-filters.yaml), each waiting for its approval, all with this test's marker:
        // started through the API (trigger Api), one cancelled, one rejected (Failed, with the reason as its error);
        // and one more through the portal's form (trigger Portal).
        var marker = "flt" + Guid.NewGuid().ToString("N")[..12];
        var reason = "reason" + Guid.NewGuid().ToString("N")[..12];
        var ids = new List<Guid>();
        var firstDay = DateTime.UtcNow.Date; // the runs are created from this day on (the portal's days are UTC here)
        for (var i = 0; i < PageSize + 3; i++)
        {
            ids.Add(await StartThroughTheApiAsync(page, marker));
        }

        await PostAsync(page, $"api/runs/{ids[^1]}/cancel", null);
        await PostAsync(page, $"api/runs/{ids[^2]}/steps/gate/reject", new { comment = reason });
        var waiting = ids.Take(PageSize + 1).ToList();
        await page.GotoPortalAsync("workflows");
        var fromThePortal = await page.StartRunAsync("test-filters", new Dictionary<string, string> { ["marker"] = marker });

        // Search by error text: the rejection's reason is only in the run's error (not in any input).
        await page.GotoPortalAsync("runs");
        await page.GetByTestId("runs-search").FillAsync(reason);
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync("1 run(s)", Soon);
        await Expect(page.GetByTestId($"run-row-{ids[^2]}")).ToContainTextAsync("Failed");

        // Search by actor: every test-filters run was started by admin; the marker is no part of "admin".
        await page.GotoPortalAsync("runs");
        await page.GetByTestId("runs-search").FillAsync(PortalFixture.Admin);
        await ChooseAsync(page, "filter-workflow", "test-filters");
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync($"{ids.Count + 1} run(s)", Soon);
        await Expect(page.GetByTestId($"run-row-{fromThePortal}")).ToBeVisibleAsync();
        var triggers = await page.GetByTestId("runs-table").Locator("tbody td[data-label=Trigger]").AllInnerTextsAsync();
        Assert.All(triggers, t => Assert.EndsWith("· " + PortalFixture.Admin, t.Trim(), StringComparison.Ordinal));

        // Every filter, one after the other, each narrowing the list; then page 2.
        await page.GotoPortalAsync("runs");
        await page.GetByTestId("runs-search").FillAsync(marker);
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync($"{ids.Count + 1} run(s)", Soon);
        await ChooseAsync(page, "filter-status", "WaitingForApproval");
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync($"{waiting.Count + 1} run(s)", Soon);
        await ChooseAsync(page, "filter-workflow", "test-filters");
        await Expect(page).ToHaveURLAsync(new Regex("[?&]workflow=test-filters(&|$)"));
        await ChooseAsync(page, "filter-trigger", "Api");
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync($"{waiting.Count} run(s)", Soon);
        await page.GetByTestId("filter-range").First.ClickAsync();
        // The calendar starts its weeks on Monday (checked while it is open: choosing the range re-renders the page).
        await Expect(page.Locator(".mud-picker-calendar-header-day .mud-day-label").First).ToHaveTextAsync("Mon");
        // From the day the runs were created to today: the same day, unless the test ran over midnight (UTC), when a
        // range of today alone would leave out the runs of yesterday. The picker opens on the server's today (the first
        // of its two months), which is not the month of the first day if the test ran over midnight at a month's end:
        // it is moved to that month first, and each day is clicked in its own month.
        var lastDay = DateTime.UtcNow.Date;
        var from = firstDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var day = lastDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await ShowMonthFirstAsync(page, firstDay);
        await CalendarDay(page, firstDay).ClickAsync();
        await CalendarDay(page, lastDay).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]from={from}&to={day}(&|$)"));
        // The range's fields show ISO days.
        await Expect(page.Locator("input[data-testid=filter-range]").Nth(0)).ToHaveValueAsync(from);
        await Expect(page.Locator("input[data-testid=filter-range]").Nth(1)).ToHaveValueAsync(day);
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync($"{waiting.Count} run(s)", Soon);
        await page.Locator(".mud-pagination .mud-pagination-item").Filter(new() { HasTextRegex = new Regex(@"^\s*2\s*$") }).Locator("button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("[?&]page=2(&|$)"));
        await Expect(page.GetByTestId("runs-table").Locator("tbody tr")).ToHaveCountAsync(waiting.Count - PageSize);

        var address = page.Url;
        var query = new Uri(address).Query;
        foreach (var part in new[] { $"q={marker}", "status=WaitingForApproval", "workflow=test-filters", "trigger=Api", $"from={from}", $"to={day}", "page=2" })
        {
            Assert.Contains(part, query, StringComparison.Ordinal);
        }

        var rows = await RowIdsAsync(page);
        Assert.Single(rows);
        Assert.Contains(rows[0], waiting.Select(i => i.ToString()));
        Assert.DoesNotContain(fromThePortal.ToString(), rows);

        // A reload, then the address in a fresh page: the same filters in the controls and the same rows.
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await ExpectTheSameAsync(page, marker, from, day, rows);
        var fresh = await page.Context.NewPageAsync();
        await fresh.GotoPortalAsync(address);
        await ExpectTheSameAsync(fresh, marker, from, day, rows);
        await PortalFixture.ScreenshotAsync(fresh, "runs-filtered.png");
        await fresh.CloseAsync();

        // Leave nothing waiting: cancel this test's runs still waiting for their approval.
        foreach (var id in waiting.Append(fromThePortal))
        {
            await PostAsync(page, $"api/runs/{id}/cancel", null);
        }
    });

    private static async Task ExpectTheSameAsync(IPage page, string marker, string from, string day, IReadOnlyList<string> rows)
    {
        await Expect(page.GetByTestId("runs-search")).ToHaveValueAsync(marker);
        await ExpectShowsAsync(page, "filter-status", "WaitingForApproval");
        await ExpectShowsAsync(page, "filter-workflow", "test-filters");
        await ExpectShowsAsync(page, "filter-trigger", "^Api$");
        // The picker writes the day as the address and the rest of the portal do (yyyy-MM-dd), though the browser's
        // language is en-US (PortalFixture): both ends, and no US-format date anywhere in the filter.
        await ExpectShowsAsync(page, "filter-range", $"^{from}$");
        await ExpectShowsAsync(page, "filter-range", $"^{day}$");
        Assert.Equal([from, day], await page.Locator("input[data-testid=filter-range]").EvaluateAllAsync<string[]>("es => es.map(e => e.value)"));
        Assert.DoesNotMatch(@"\d{1,2}/\d{1,2}/\d{4}|\b[AP]M\b", await page.GetByTestId("run-filters").InnerTextAsync());
        await Expect(page.Locator(".mud-pagination .mud-pagination-item-selected")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("runs-table").Locator("tbody tr")).ToHaveCountAsync(rows.Count);
        Assert.Equal(rows, await RowIdsAsync(page));
    }

    // A day of the open range picker, in the month (of the two shown) that it belongs to.
    private static ILocator CalendarDay(IPage page, DateTime day) =>
        CalendarMonth(page, day).Locator(".mud-picker-calendar-day:not(.mud-hidden)", new() { HasTextRegex = new Regex($"^\\s*{day.Day}\\s*$") }).First;

    // The month of the open range picker that shows the month of day (its header names the month and the year).
    private static ILocator CalendarMonth(IPage page, DateTime day) =>
        page.Locator(".mud-picker-calendar-container")
            .Filter(new() { HasText = day.ToString("MMMM", System.Globalization.CultureInfo.InvariantCulture) })
            .Filter(new() { HasText = day.Year.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    // Moves the open range picker (one month back or on at a time) until its first month is the month of day.
    private static async Task ShowMonthFirstAsync(IPage page, DateTime day)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var header = page.Locator(".mud-picker-calendar-container").First.Locator(".mud-picker-calendar-header-transition");
        var wanted = new DateTime(day.Year, day.Month, 1);
        for (var i = 0; i < 24; i++)
        {
            // The picker is open and only these clicks move it, so one reading of its header (once it names a month of a
            // year) is what it shows until the next click.
            await Expect(header).ToHaveTextAsync(new Regex(@"\d{4}"), new() { Timeout = 15_000 });
            var text = await header.InnerTextAsync();
            var month = Array.FindIndex(invariant.DateTimeFormat.MonthNames, m => m.Length > 0 && text.Contains(m, StringComparison.Ordinal)) + 1;
            var shown = new DateTime(int.Parse(Regex.Match(text, @"\d{4}").Value, invariant), month, 1);
            if (shown == wanted)
            {
                return;
            }

            var back = shown > wanted;
            await page.Locator(back ? ".mud-picker-nav-button-prev" : ".mud-picker-nav-button-next").First.ClickAsync();
            await Expect(header).ToContainTextAsync(shown.AddMonths(back ? -1 : 1).ToString("MMMM", invariant), new() { Timeout = 15_000 });
        }

        throw new Xunit.Sdk.XunitException($"The range picker never showed {wanted:yyyy-MM} first.");
    }

    private static async Task<List<string>> RowIdsAsync(IPage page) =>
        [.. (await page.GetByTestId("runs-table").Locator("tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.testid)"))
            .Select(t => RowId().Match(t).Groups["id"].Value)];

    private static async Task ChooseAsync(IPage page, string select, string option)
    {
        await page.GetByTestId(select).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await ExpectShowsAsync(page, select, Regex.Escape(option));
    }

    // Waits until a filter control shows what the pattern (a regular expression) matches: in its input's value (a
    // MudBlazor field puts the test id on its input) or in its text.
    private static async Task ExpectShowsAsync(IPage page, string control, string pattern) =>
        await page.WaitForFunctionAsync(
            """
            ([id, pattern]) => {
              const r = new RegExp(pattern);
              return [...document.querySelectorAll(`[data-testid=${id}]`)]
                .some(e => e.tagName === 'INPUT' ? r.test(e.value) : [...e.querySelectorAll('input')].some(i => r.test(i.value)) || r.test(e.textContent));
            }
            """,
            new[] { control, pattern },
            new() { Timeout = 15_000 });

    private static async Task<Guid> StartThroughTheApiAsync(IPage page, string marker)
    {
        var body = await PostAsync(page, "api/workflows/test-filters/runs", new { inputs = new { marker } });
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<string> PostAsync(IPage page, string path, object? data)
    {
        var response = await page.APIRequest.PostAsync(path, new() { DataObject = data ?? new { } });
        var text = await response.TextAsync();
        Assert.True(response.Ok, $"POST {path}: {response.Status} {text}");
        return text;
    }

    [GeneratedRegex("^run-row-(?<id>[0-9a-f-]{36})$")]
    private static partial Regex RowId();
}
