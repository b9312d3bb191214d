using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>An operator starts, watches, cancels, retries and approves runs in the portal, on the sandbox cloud.</summary>
[Collection(PortalCollection.Name)]
public sealed class RunPageTests(PortalFixture portal)
{
    // Runs take a few seconds on the sandbox (a server stays in BUILD for 3 s); this is an upper bound, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task RunButton_StartsBootVm_AndRunPageShowsItSucceedLive() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await Expect(page.GetByTestId("workflow-boot-vm")).ToBeVisibleAsync();

        var name = VmName();
        await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = name });
        await page.MarkDocumentAsync();

        // Seen unfinished first, then finished, on the same document: the page follows the run by itself.
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", new Regex("^(Queued|Running)$"));
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        Assert.True(await page.IsSameDocumentAsync(), "The run page reloaded; it should update live.");
        await Expect(page.GetByTestId("step-server")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("step-ip")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("run-input-name")).ToContainTextAsync(name);
        await Expect(page.GetByTestId("run-trigger")).ToContainTextAsync(PortalFixture.Operator);
        await Expect(page.GetByTestId("cancel-run")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("run-again")).ToBeEnabledAsync();
        await PortalFixture.ScreenshotAsync(page, "run-succeeded.png");

        var log = page.GetByTestId("log-view");
        await Expect(log).ToContainTextAsync(name);
        await page.GetByTestId("log-search").FillAsync(name);
        await Expect(page.GetByTestId("log-matches")).ToHaveTextAsync(new Regex(@"^[1-9]\d* matching line\(s\)$"));
        await Expect(page.GetByTestId("log-download")).ToBeEnabledAsync();
        await page.GetByTestId("log-panel").ScrollIntoViewIfNeededAsync();
        await PortalFixture.ScreenshotAsync(page, "run-log.png");

        // Back on the workflows page (no reload either), the card shows this run as the last one.
        await page.GetByTestId("nav-workflows").ClickAsync();
        await Expect(page.GetByTestId("workflow-boot-vm").GetByTestId("last-run-status")).ToHaveAttributeAsync("data-status", "Succeeded");
        Assert.True(await page.IsSameDocumentAsync(), "Navigating inside the portal reloaded the page.");
        await PortalFixture.ScreenshotAsync(page, "workflows.png");
    });

    [BrowserFact]
    public Task CancelButton_StopsWaitingRun_AndStatusBecomesCancelled() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("test-long-wait");
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Running");

        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();

        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Cancelled");
        await Expect(page.GetByTestId("cancel-run")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("retry-run")).ToBeEnabledAsync();
    });

    [BrowserFact]
    public Task RetryButton_WithEditedFlavor_TurnsFailedRunIntoSucceeded() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = VmName(), ["flavor"] = "m1.nonexistent" });
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Failed", Finished);
        // The unknown flavor fails the step before it creates anything, so there is nothing to compensate.
        await Expect(page.GetByTestId("step-server")).ToHaveAttributeAsync("data-status", "Failed");
        await Expect(page.GetByTestId("run-error")).ToContainTextAsync("m1.nonexistent");

        await page.GetByTestId("retry-run").ClickAsync();
        var dialog = page.GetByTestId("retry-dialog");
        await Expect(dialog.GetByTestId("retry-from-step")).ToHaveTextAsync("server (Failed)");
        await Expect(dialog.Input("flavor")).ToHaveValueAsync("m1.nonexistent");
        await dialog.Input("flavor").FillAsync("m1.tiny");
        await PortalFixture.ScreenshotAsync(page, "run-retry.png");
        await dialog.GetByTestId("submit").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        await Expect(page.GetByTestId("step-server")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("step-ip")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("run-input-flavor")).ToContainTextAsync("m1.tiny");
    });

    [BrowserFact]
    public Task ApproveButton_LetsWaitingApprovalContinue_AndRunSucceeds() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("test-approval");
        await Expect(page.GetByTestId("approve-gate")).ToBeEnabledAsync();
        await Expect(page.GetByTestId("step-gate")).ToHaveAttributeAsync("data-status", "Waiting");
        await Expect(page.GetByTestId("step-after")).ToHaveAttributeAsync("data-status", "Pending");
        await PortalFixture.ScreenshotAsync(page, "run-approval.png");

        await page.GetByTestId("approve-gate").ClickAsync();
        await page.GetByTestId("decision-comment").FillAsync("Looks good");
        await page.GetByTestId("decision-confirm").ClickAsync();

        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        await Expect(page.GetByTestId("step-gate")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("step-after")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("approve-gate")).ToHaveCountAsync(0);
    });

    // Unique per test: boot-vm's concurrency key is cloud-name, and a shared name would queue the runs.
    private static string VmName() => "vm-" + Guid.NewGuid().ToString("N")[..8];
}
