using System.Globalization;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using Workflows.Browser.Tests.Scenarios;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>
/// A run whose step writes 50,000 log lines (Scenarios/test-long-log.yaml, the test-only action test.log-lines): the
/// live log follows to the last line, keeps only a bounded number of lines in the page (virtualized), finds a line far
/// back by search, and the page stays usable (issue 16, part 2: "follow mode stays smooth at 50,000 lines").
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class LongLogTests(PortalFixture portal, ITestOutputHelper output)
{
    private const int Lines = 50_000;

    // Upper bounds for the run and the log to get somewhere, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 120_000 };
    private static readonly LocatorAssertionsToHaveCountOptions Arrived = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task FollowMode_At50000Lines_ShowsTheLastLine_KeepsFewLinesInThePage_FindsALineBySearch_AndStaysResponsive() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.GotoPortalAsync("workflows");
        var id = await page.StartRunAsync("test-long-log");
        try
        {
            // The log's box in view, as a reader scrolls to it; the run stays live (its second step waits), so it follows.
            var scroller = page.GetByTestId("log-scroller");
            await scroller.ScrollIntoViewIfNeededAsync();
            await Expect(page.GetByTestId("log-following")).ToHaveTextAsync("following");
            await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);

            // Follow mode: the last line arrives, the box scrolled to its end by the portal (the test only scrolls the
            // page to the box again, which the Outputs card and the steps pushed down meanwhile).
            var log = page.GetByTestId("log-view");
            var last = log.GetByTestId("log-line").Filter(new() { HasText = LogLinesAction.Line(Lines, Lines) });
            await Expect(last).ToHaveCountAsync(1, Arrived);
            await scroller.ScrollIntoViewIfNeededAsync();
            await Expect(last).ToBeInViewportAsync();
            await Expect(log).ToHaveAttributeAsync("data-virtualized", "true");
            var shown = int.Parse(await log.GetAttributeAsync("data-lines") ?? "0", CultureInfo.InvariantCulture);
            Assert.True(shown >= Lines, $"the view holds {shown} lines, fewer than the {Lines} written");
            // Waited for, not read once: the virtualized list may lay itself out again (its spacers' heights) after the
            // last line is in view, and follow mode scrolls after it.
            try
            {
                await page.WaitForFunctionAsync(
                    "e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2",
                    await scroller.ElementHandleAsync(),
                    new PageWaitForFunctionOptions { Timeout = 15_000, PollingInterval = 100 });
            }
            catch (TimeoutException)
            {
                Assert.Fail("follow mode left the log box short of its end");
            }

            // Virtualized: of the 50,000 lines, the page holds only those around the view.
            var inPage = await page.GetByTestId("log-line").CountAsync();
            output.WriteLine($"log lines in the page at the end of {shown} lines: {inPage}");
            Assert.InRange(inPage, 1, 499);

            // Search: a line from far back, highlighted and in view.
            var wanted = LogLinesAction.Line(37_000, Lines)[..19]; // "line 37000 of 50000"
            await page.GetByTestId("log-search").FillAsync(wanted);
            await Expect(page.GetByTestId("log-matches")).ToHaveTextAsync("1 matching line(s)");
            var mark = log.Locator("[data-testid=log-line] mark");
            await Expect(mark).ToHaveTextAsync(wanted);
            await Expect(mark).ToBeInViewportAsync();
            output.WriteLine($"log lines in the page while searching: {await page.GetByTestId("log-line").CountAsync()}");

            // Still responsive: a click on a step opens its drawer.
            await page.GetByTestId("step-lines").ClickAsync();
            await Expect(page.GetByTestId("step-details")).ToContainTextAsync(ScenarioActions.LogLines);
            await page.GetByTestId("step-details-close").ClickAsync();
            await Expect(page.GetByTestId("step-details")).ToHaveCountAsync(0);

            // Clearing the search brings every line back, still bounded in the page.
            await page.GetByTestId("log-search").FillAsync("");
            await Expect(page.GetByTestId("log-matches")).ToHaveCountAsync(0);
            await Expect(log).ToHaveAttributeAsync("data-lines", shown.ToString(CultureInfo.InvariantCulture));
            await Expect(page.GetByTestId("log-line").First).ToBeVisibleAsync();
            Assert.InRange(await page.GetByTestId("log-line").CountAsync(), 1, 499);
        }
        finally
        {
            var cancelled = await page.APIRequest.PostAsync($"api/runs/{id}/cancel", new() { DataObject = new { } });
            Assert.True(cancelled.Ok, $"cancel {id}: {cancelled.Status}");
        }
    });
}
