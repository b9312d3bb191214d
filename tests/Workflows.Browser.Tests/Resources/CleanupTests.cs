using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Resources;

/// <summary>An operator deletes what a cancelled run left behind, from the Resources page (issue 16, part 8).</summary>
[Collection(PortalCollection.Name)]
public sealed class CleanupTests(PortalFixture portal)
{
    // An upper bound for a run to get somewhere on the sandbox, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task DeleteAnOrphan_StartsACleanupRun_ThatDeletesIt() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "orphan-" + Guid.NewGuid().ToString("N")[..8];
        await page.StartRunAsync("test-orphan", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);
        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);

        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        var row = page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = name });
        await Expect(row).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByTestId("delete-confirm-list")).ToContainTextAsync(name);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Delete 1", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("run-header")).ToContainTextAsync("resource-cleanup");
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        await Expect(page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = name })).ToHaveCountAsync(0);
    });

    [BrowserFact]
    public Task ResourcesAndRuns_OnAPhone_AreCards_AndNothingScrollsSideways() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        // Something in both tables: a run that recorded a server.
        var name = "phone-" + Guid.NewGuid().ToString("N")[..8];
        await page.StartRunAsync("test-orphan", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);
        var run = page.Url;

        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "resources", "runs" })
        {
            await page.GotoPortalAsync(path);
            await Expect(page.Locator(".wf-cards tbody tr").First).ToBeVisibleAsync();
            var (overflow, culprits) = await page.HorizontalOverflowAsync();
            Assert.True(overflow <= 0, $"/{path} scrolls sideways by {overflow}px at 390 px: {culprits}");
            await Expect(page.Locator(".wf-cards thead").First).ToBeHiddenAsync(); // no table header on a phone
        }

        await PortalFixture.ScreenshotAsync(page, "runs-phone.png");
        await page.GotoPortalAsync(run);
        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
    });
}
