using System.Text.RegularExpressions;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>Single sign-on in Chromium through the real OpenID Connect provider of the test command.</summary>
[Collection(PortalCollection.Name)]
public sealed class SingleSignOnTests(PortalFixture portal)
{
    [BrowserFact]
    public Task Alice_SignsInThroughTheProvider_AndSeesThePortalWithAdminNavigation() => portal.RunAsync(null, async page =>
    {
        await page.GotoAsync("runs");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await Expect(page.GetByTestId("login-sso")).ToHaveTextAsync(new Regex("Sign in with Test IdP"));

        await PortalFixture.SignInWithSingleSignOnAsync(page, "alice");

        await Expect(page).ToHaveURLAsync(new Regex("/runs$"));
        await Expect(page.GetByTestId("nav-hangfire")).ToBeVisibleAsync();
        await page.GotoPortalAsync("workflows");
        await Expect(page.GetByTestId("run-test-restricted")).ToBeEnabledAsync();
    });

    [BrowserFact]
    public Task Bob_SeesTheRunButtonOfARestrictedWorkflowDisabled_WithTheReason() => portal.RunAsync(null, async page =>
    {
        await PortalFixture.SignInWithSingleSignOnAsync(page, "bob");

        await page.GotoPortalAsync("workflows");
        await Expect(page.GetByTestId("nav-hangfire")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-test-approval")).ToBeEnabledAsync();
        await Expect(page.GetByTestId("run-test-restricted")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("run-not-allowed-test-restricted")).ToContainTextAsync("Only members of 'platform-admins' (or an admin) may run 'test-restricted'.");

        await page.GotoPortalAsync("workflows/test-restricted/run");
        await Expect(page.GetByTestId("not-allowed")).ToContainTextAsync("platform-admins");
        await Expect(page.GetByTestId("submit")).ToHaveCountAsync(0);
    });
}
