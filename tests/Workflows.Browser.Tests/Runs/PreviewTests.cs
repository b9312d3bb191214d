using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>The start form's Preview against the sandbox: the plan before Start, and Start blocked by its errors until overridden.</summary>
[Collection(PortalCollection.Name)]
public sealed class PreviewTests(PortalFixture portal)
{
    [BrowserFact]
    public Task Preview_ShowsThePlan_AndBlocksStartOnAMissingFlavor_UntilOverridden() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var card = page.GetByTestId("workflow-boot-vm");
        await Expect(card.GetByTestId("last-run").Locator(".mud-progress-linear")).ToHaveCountAsync(0);
        await card.GetByTestId("run-boot-vm").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/workflows/boot-vm/run$"));
        var name = "pv-" + Guid.NewGuid().ToString("N")[..8];
        await page.Input("name").FillAsync(name);

        await page.GetByTestId("preview").ClickAsync();

        await Expect(page.GetByTestId("plan-summary")).ToContainTextAsync("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings");
        await Expect(page.Locator("[data-testid=plan-step][data-step=server]")).ToContainTextAsync($"+ nova.server \"{name}\"");
        await Expect(page.Locator("[data-testid=plan-step][data-step=ip]")).ToContainTextAsync("known after `server`");
        await Expect(page.GetByTestId("submit")).ToBeEnabledAsync();
        await PortalFixture.ScreenshotAsync(page, "plan-preview.png");

        await page.Input("flavor").FillAsync("m1.huge");
        await page.GetByTestId("preview").ClickAsync();

        await Expect(page.GetByTestId("plan-summary")).ToContainTextAsync("; 1 error, ");
        await Expect(page.Locator("[data-testid=plan-step][data-step=server] [data-testid=plan-problem]")).ToContainTextAsync("flavor 'm1.huge' does not exist");
        await Expect(page.GetByTestId("submit")).ToBeDisabledAsync();

        await page.GetByTestId("plan-override").ClickAsync();
        await Expect(page.GetByTestId("submit")).ToBeEnabledAsync();
    });
}
