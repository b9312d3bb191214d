using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>
/// The run page of the shipped workflow with the most inputs, <c>install-devstack</c> (17), shows what an operator came
/// for without scrolling (issue 16, part 1): the steps and the log on a desktop, the steps on a phone.
/// </summary>
[Collection(PortalCollection.Name)]
/// <param name="portal">The shared server and browser.</param>
/// <param name="output">Where the measured tops are written (shown with a detailed test log).</param>
public sealed class RunFoldTests(PortalFixture portal, ITestOutputHelper output)
{
    // The sandbox install takes six polls 3 s apart; an upper bound, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 90_000 };

    [BrowserFact]
    public Task InstallDevstackRun_ShowsItsStepsAndLogAboveTheFold_At1440x900_AndItsStepsOnAPhone() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("install-devstack");
        // Finished, so that everything a finished run shows (the outputs card too) is above the log.
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        await Expect(page.GetByTestId("run-inputs-summary").Locator("[data-testid^=run-input-]")).ToHaveCountAsync(17);
        await Expect(page.GetByTestId("log-view").GetByTestId("log-line").First).ToBeVisibleAsync();
        await page.GotoPortalAsync(new Uri(page.Url).AbsolutePath.TrimStart('/'));
        await Expect(page.GetByTestId("log-view").GetByTestId("log-line").First).ToBeVisibleAsync();

        var graph = await TopAsync(page.GetByTestId("step-graph"));
        var log = await TopAsync(page.GetByTestId("log-panel"));
        var firstLine = await TopAsync(page.GetByTestId("log-view").GetByTestId("log-line").First);
        output.WriteLine($"1440x900: steps graph top {graph:0}px, log panel top {log:0}px, first log line top {firstLine:0}px");
        Assert.True(graph < PortalFixture.Desktop.Height, $"the steps graph starts at {graph}px, below the fold ({PortalFixture.Desktop.Height}px)");
        Assert.True(log < PortalFixture.Desktop.Height, $"the log panel starts at {log}px, below the fold ({PortalFixture.Desktop.Height}px)");
        Assert.True(firstLine < PortalFixture.Desktop.Height, $"the log's first line starts at {firstLine}px, below the fold ({PortalFixture.Desktop.Height}px)");
        await Expect(page.GetByTestId("step-devstack")).ToBeInViewportAsync();
        await PortalFixture.ScreenshotAsync(page, "run-install-devstack.png");

        await page.SetViewportSizeAsync(PortalFixture.Phone.Width, PortalFixture.Phone.Height);
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        var steps = await TopAsync(page.GetByTestId("step-devstack"));
        output.WriteLine($"390x844: first step card top {steps:0}px");
        Assert.True(steps < PortalFixture.Phone.Height, $"on a phone the first step starts at {steps}px, below the fold ({PortalFixture.Phone.Height}px)");
        await PortalFixture.ScreenshotAsync(page, "run-install-devstack-phone.png");
    });

    // The top of an element in the window, the page scrolled to its top (as it opens).
    private static async Task<double> TopAsync(ILocator element) =>
        await element.EvaluateAsync<double>("e => { window.scrollTo(0, 0); return e.getBoundingClientRect().top; }");
}
