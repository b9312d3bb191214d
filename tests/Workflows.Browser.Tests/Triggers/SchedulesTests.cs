using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Triggers;

/// <summary>An admin creates a schedule in the portal, reads its cron in plain language and its next fires in its zone, and deletes it.</summary>
[Collection(PortalCollection.Name)]
public sealed class SchedulesTests(PortalFixture portal)
{
    [BrowserFact]
    public async Task Admin_CreatesASchedule_SeesItsPlainLanguageCronAndNextFires_AndDeletesIt()
    {
        var name = "browser-" + Guid.NewGuid().ToString("N")[..8];
        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            await page.GotoPortalAsync("schedules");
            await page.GetByTestId("new-schedule").ClickAsync();
            var dialog = page.GetByTestId("schedule-dialog");
            await Expect(dialog).ToBeVisibleAsync();

            await dialog.GetByTestId("schedule-workflow").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "test-long-wait", Exact = true }).ClickAsync();
            await dialog.GetByTestId("schedule-name").FillAsync(name);
            await dialog.GetByTestId("schedule-cron").FillAsync("0 3 * * 1-5");
            await page.PickAsync(dialog.GetByTestId("schedule-timezone"), "Europe/Berlin");
            await Expect(dialog.GetByTestId("schedule-description")).ToHaveTextAsync("at 03:00 on Monday–Friday");
            await dialog.GetByTestId("submit").ClickAsync();

            var row = page.GetByTestId($"schedule-test-long-wait-{name}");
            await Expect(row.GetByTestId("schedule-description")).ToHaveTextAsync("at 03:00 on Monday–Friday");
            await Expect(row.GetByTestId("schedule-zone")).ToHaveTextAsync("Europe/Berlin");
            var fires = row.GetByTestId("schedule-next").Locator("div");
            await Expect(fires).ToHaveCountAsync(3);

            // 03:00 in Berlin, whatever the season: +01:00 in winter, +02:00 in summer.
            await Expect(fires.First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d{2}-\d{2} 03:00 \+0[12]:00$"));
            await Expect(fires.First).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(@" (01|02):00:00 UTC$"));
            await Expect(row.GetByTestId("schedule-source")).ToContainTextAsync("created by");

            await row.GetByTestId("delete-schedule").ClickAsync();
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
        });
    }
}
