using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>An operator finds runs (short ids, search) and reads large runs' graphs, at 1440 px and on a phone.</summary>
[Collection(PortalCollection.Name)]
public sealed class FindAndReadTests(PortalFixture portal)
{
    // An upper bound for a run to finish on the sandbox, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task ShortId_OpensTheRun() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var id = await page.StartRunAsync("test-long-wait");
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);

        await page.GotoPortalAsync($"runs/{id.ToString()[..8]}");

        await Expect(page).ToHaveURLAsync(new Regex($"/runs/{id}$"));
        await Expect(page.GetByTestId("run-header")).ToContainTextAsync(id.ToString()[..8]);
        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
    });

    [BrowserFact]
    public Task Search_FindsTheRun_ByItsVmName_AndKeepsTheSearchInTheAddress() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "find-" + Guid.NewGuid().ToString("N")[..8];
        var id = await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        await Expect(page.GetByTestId("run-outputs")).ToBeVisibleAsync();

        await page.GetByTestId("nav-runs").ClickAsync();
        await page.GetByTestId("runs-search").FillAsync(name.ToUpperInvariant());
        await page.GetByTestId("runs-search").PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex($"[?&]q={name.ToUpperInvariant()}"));
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync("1 run(s)");
        await Expect(page.GetByTestId($"run-row-{id}")).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "runs-search.png");

        // The address alone brings the same view back.
        await page.GotoPortalAsync($"runs?q={name}");
        await Expect(page.GetByTestId($"run-row-{id}")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync("1 run(s)");
    });

    [BrowserFact]
    public Task StepGraph_Of30Steps_FitsTheWidth_At1440() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.SetViewportSizeAsync(1440, 900);
        await page.StartRunAsync("test-wide-dag");
        await Expect(page.GetByTestId("step-chain-step-18")).ToHaveAttributeAsync("data-status", "Waiting", Finished);

        var graph = page.GetByTestId("step-graph");
        await Expect(graph).ToHaveAttributeAsync("data-orientation", "TopToBottom");
        await Expect(graph.Locator(".wf-step")).ToHaveCountAsync(30);
        await Expect(graph.Locator("svg.wf-dag-edges path")).ToHaveCountAsync(10 + 10 + 18);
        var (overflow, culprits) = await page.HorizontalOverflowAsync();
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px: {culprits}");
        foreach (var card in await graph.Locator(".wf-step").AllAsync())
        {
            var box = (await card.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= 1440, $"a step card lies outside the window: x={box.X}, width={box.Width}");
        }

        // Names are whole (the card wraps them; the tooltip has them too).
        await Expect(page.GetByTestId("step-fan-out-branch-07").Locator(".wf-step-title")).ToHaveTextAsync("fan-out-branch-07");
        var clipped = await page.GetByTestId("step-fan-out-branch-07").Locator(".wf-step-title").EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight");
        Assert.False(clipped, "the step name is cut");
        await page.GetByTestId("step-graph").ScrollIntoViewIfNeededAsync();
        await PortalFixture.ScreenshotAsync(page, "run-wide-dag.png");

        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
    });

    [BrowserFact]
    public Task RunPage_OnAPhone_ListsStepsAndOpensAFullWidthDrawer() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "phone-" + Guid.NewGuid().ToString("N")[..8];
        await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

        // The step graph becomes a list, and nothing on the page scrolls sideways.
        await page.SetViewportSizeAsync(390, 844);
        var (overflow, culprits) = await page.HorizontalOverflowAsync();
        Assert.True(overflow <= 0, $"the run page scrolls sideways by {overflow}px at 390 px: {culprits}");
        await page.GetByTestId("step-server").PressAsync("Enter");

        var drawer = page.GetByTestId("step-details");
        await Expect(drawer).ToBeVisibleAsync();
        await Expect(drawer.GetByTestId("step-log")).ToContainTextAsync(name);
        var width = (await page.Locator(".wf-step-drawer").BoundingBoxAsync())!.Width;
        Assert.Equal(390, width, 1.0);
        await PortalFixture.ScreenshotAsync(page, "run-phone-drawer.png");
    });
}
