using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Workflows;

/// <summary>A user reads a workflow before running it, and goes from a run to the version it ran.</summary>
[Collection(PortalCollection.Name)]
public sealed class WorkflowPageTests(PortalFixture portal)
{
    // An upper bound for a run to finish on the sandbox, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task WorkflowPage_OpensFromTheList_WithItsGraphAndSource() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoPortalAsync("workflows");

        await page.GetByTestId("open-boot-vm").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/workflows/boot-vm$"));
        await Expect(page.GetByTestId("workflow-name")).ToHaveTextAsync("boot-vm");
        var graph = page.GetByTestId("step-graph");
        await Expect(graph.Locator(".wf-step").First).ToBeVisibleAsync();
        await Expect(graph.Locator("svg.wf-dag-edges path").First).ToBeAttachedAsync(); // the graph draws its edges
        await Expect(page.GetByTestId("yaml-source").Locator(".wf-yaml-key").First).ToHaveTextAsync("name");
        await Expect(page.GetByTestId("yaml-source")).ToContainTextAsync("name: boot-vm");
        await Expect(page.GetByTestId("workflow-versions").GetByTestId("version-active")).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "workflow-page.png");
    });

    [BrowserFact]
    public Task StepSettings_ReadInTwoLinesPerStep_WithoutScrollingSideways_At1440AndOnAPhone() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        // The shipped workflow with the most to say per step: conditions, long lists of codes never retried, compensations.
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoPortalAsync("workflows/platform-from-scratch");
        var list = page.GetByTestId("step-list");
        await Expect(list.Locator("li")).ToHaveCountAsync(8);
        await Expect(page.GetByTestId("workflow-steps").Locator("table")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("step-row-apply").GetByTestId("step-when")).ToHaveTextAsync("${{ inputs.coe == 'kubernetes' }}");
        await Expect(page.GetByTestId("step-row-server").GetByTestId("step-non-retryable")).ToContainTextAsync("openstack.not_found");

        var (overflow, culprits) = await page.HorizontalOverflowAsync();
        Assert.True(overflow <= 0, $"the workflow page scrolls sideways by {overflow}px at 1440 px: {culprits}");
        Assert.Equal(0, await CutOrOutsideAsync(list));
        foreach (var row in await list.Locator("li").AllAsync())
        {
            // The id on the left; to its right what the step does and when, and under that how it recovers.
            var id = (await row.GetByTestId("step-id").BoundingBoxAsync())!;
            var what = (await row.GetByTestId("step-line-what").BoundingBoxAsync())!;
            var recovery = (await row.GetByTestId("step-line-recovery").BoundingBoxAsync())!;
            var stepId = await row.GetByTestId("step-id").Locator("b").TextContentAsync();
            Assert.True(id.X + id.Width <= what.X && Math.Abs(what.X - recovery.X) < 1, $"step {stepId}: the id is not left of its two lines");
            Assert.True(what.Y + what.Height <= recovery.Y + 0.5, $"step {stepId}: what it does is not above how it recovers");
            Assert.StartsWith(stepId!, await row.GetByTestId("step-id").GetAttributeAsync("title"), StringComparison.Ordinal);
        }

        await page.GetByTestId("workflow-steps").ScrollIntoViewIfNeededAsync();
        await PortalFixture.ScreenshotAsync(page, "workflow-steps.png");

        await page.SetViewportSizeAsync(390, 844);
        (overflow, culprits) = await page.HorizontalOverflowAsync();
        Assert.True(overflow <= 0, $"the workflow page scrolls sideways by {overflow}px at 390 px: {culprits}");
        Assert.Equal(0, await CutOrOutsideAsync(list));
    });

    [BrowserFact]
    public Task RunVersion_LinksToThatVersionsSource() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "ver-" + Guid.NewGuid().ToString("N")[..8];
        await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        var version = (await page.GetByTestId("run-version").TextContentAsync())!.Trim();

        await page.GetByTestId("run-version").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/workflows/boot-vm\\?version={version}"));
        await Expect(page.GetByTestId("source-version")).ToContainTextAsync(version);
        await Expect(page.GetByTestId($"version-{version}").GetByTestId("version-runs")).Not.ToHaveTextAsync("0");
        await Expect(page.GetByTestId("yaml-source")).ToContainTextAsync("name: boot-vm");
    });

    /// <summary>Counts the elements of the list that are cut (scroll inside) or reach past the list's right edge.</summary>
    private static Task<int> CutOrOutsideAsync(Microsoft.Playwright.ILocator list) => list.EvaluateAsync<int>("""
        list => {
          const right = list.getBoundingClientRect().right + 0.5;
          return [...list.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline'
            || e.getBoundingClientRect().right > right).length;
        }
        """);
}
