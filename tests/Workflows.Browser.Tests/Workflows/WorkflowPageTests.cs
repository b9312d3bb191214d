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
        Assert.True(await graph.Locator("svg.wf-dag-edges path").CountAsync() >= 1, "the graph draws no edge");
        await Expect(page.GetByTestId("yaml-source").Locator(".wf-yaml-key").First).ToHaveTextAsync("name");
        await Expect(page.GetByTestId("yaml-source")).ToContainTextAsync("name: boot-vm");
        await Expect(page.GetByTestId("workflow-versions").GetByTestId("version-active")).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "workflow-page.png");
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
}
