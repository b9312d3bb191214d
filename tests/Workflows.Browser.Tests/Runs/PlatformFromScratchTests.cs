using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>The flagship, as a new user starts it: from the portal, with every input at its default, on the embedded sandbox.</summary>
[Collection(PortalCollection.Name)]
public sealed class PlatformFromScratchTests(PortalFixture portal)
{
    // DevStack is simulated, the Magnum cluster and the rollout take seconds on the sandbox; an upper bound, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 240_000 };

    [BrowserFact]
    public Task RunButton_StartsPlatformFromScratchWithItsDefaults_AndTheAppIsRolledOutOnTheKubernetesCluster() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("platform-from-scratch");

        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        foreach (var step in new[] { "devstack", "server", "ip", "cluster", "credentials", "apply", "rollout" })
        {
            await Expect(page.GetByTestId("step-" + step)).ToHaveAttributeAsync("data-status", "Succeeded");
        }

        // The default COE is kubernetes: the Swarm branch is skipped, not failed.
        await Expect(page.GetByTestId("step-app")).ToHaveAttributeAsync("data-status", "Skipped");
        await Expect(page.GetByTestId("run-input-coe")).ToContainTextAsync("kubernetes");
        await Expect(page.GetByTestId("log-view")).ToContainTextAsync(new Regex("deployment/web", RegexOptions.IgnoreCase));
        await PortalFixture.ScreenshotAsync(page, "run-platform-from-scratch.png");
    });
}
