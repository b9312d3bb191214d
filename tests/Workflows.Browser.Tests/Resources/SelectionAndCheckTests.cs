using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Resources;

/// <summary>
/// An operator checks the resource ledger against the cloud and deletes several orphans at once from the Resources page
/// (issue 16, part 8).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class SelectionAndCheckTests(PortalFixture portal)
{
    // An upper bound for a run to get somewhere on the sandbox, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task CheckAgainstTheCloud_FindsTheOrphansStillThere_AndDeleteASelection_CleansThemUpInOneRun() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var names = new[] { "sel-a-" + Guid.NewGuid().ToString("N")[..8], "sel-b-" + Guid.NewGuid().ToString("N")[..8] };
        foreach (var name in names)
        {
            await OrphanAsync(page, name);
        }

        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        var rows = names.Select(n => page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = n })).ToList();
        foreach (var row in rows)
        {
            await Expect(row).ToHaveCountAsync(1);
        }

        // Check against the cloud: the two servers are still in the sandbox, so they stay orphans, not deleted.
        await page.GetByTestId("check-cloud").ClickAsync();
        await Expect(page.GetByTestId("check-summary")).ToHaveTextAsync(CheckSummary(), new() { Timeout = 60_000 });
        var summary = CheckSummary().Match(await page.GetByTestId("check-summary").InnerTextAsync());
        Assert.True(int.Parse(summary.Groups["present"].Value, System.Globalization.CultureInfo.InvariantCulture) >= names.Length, "the check did not find both orphans present: " + summary.Value);
        await Expect(page.GetByTestId("check-cloud")).ToBeEnabledAsync();
        foreach (var row in rows)
        {
            await Expect(row).ToHaveAttributeAsync("data-deleted", "false");
        }

        // Delete a selection: both orphans, one confirmation listing both, one clean-up run with a step for each (named after the server).
        var ids = new List<string>();
        foreach (var row in rows)
        {
            var id = await row.GetAttributeAsync("data-external-id") ?? throw new InvalidOperationException("a resource row without its id");
            ids.Add(id);
            var box = row.GetByRole(AriaRole.Checkbox);
            await box.ClickAsync();
            await Expect(box).ToBeCheckedAsync();
        }

        await Expect(page.GetByTestId("resource-selected-count")).ToHaveTextAsync("2 selected");
        await page.GetByTestId("delete-selected").ClickAsync();
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("delete-confirm-list")).ToContainTextAsync(name);
        }

        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete 2", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("run-header")).ToContainTextAsync("resource-cleanup");
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        var steps = page.GetByTestId("run-timeline").Locator("[data-testid^=step-][data-compensation]");
        await Expect(steps).ToHaveCountAsync(2);
        await Expect(steps.Nth(0)).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(steps.Nth(1)).ToHaveAttributeAsync("data-status", "Succeeded");
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("run-timeline")).ToContainTextAsync(name);
        }

        // Both gone from the orphans, and shown deleted with the others.
        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = name })).ToHaveCountAsync(0);
        }

        await page.GetByTestId("filter-orphans").ClickAsync();
        await page.GetByTestId("filter-deleted").ClickAsync();
        foreach (var id in ids)
        {
            await Expect(page.Locator($"[data-testid=resource-row][data-external-id='{id}']")).ToHaveAttributeAsync("data-deleted", "true");
        }
    });

    /// <summary>Starts <c>test-orphan</c> (Scenarios/test-orphan.yaml), which boots a server, and cancels it while it waits: the server is left behind.</summary>
    private static async Task OrphanAsync(IPage page, string name)
    {
        await page.GotoPortalAsync("workflows");
        await page.StartRunAsync("test-orphan", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);
        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
    }

    [GeneratedRegex(@"^(?<present>\d+) present, (?<gone>\d+) gone, (?<unknown>\d+) unknown$")]
    private static partial Regex CheckSummary();
}
