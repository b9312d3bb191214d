using System.Text.RegularExpressions;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>Sign-in and what each role may reach.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessTests(PortalFixture portal)
{
    [BrowserFact]
    public Task SignIn_ShowsError_WhenPasswordIsWrong() => portal.RunAsync(null, async page =>
    {
        await page.GotoAsync("workflows");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GetByTestId("login-username").FillAsync(PortalFixture.Operator);
        await page.GetByTestId("login-password").FillAsync("not the password");
        await page.GetByTestId("login-submit").ClickAsync();

        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("The user name or password is wrong.");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?error=1"));
        await Expect(page.GetByTestId("user-name")).ToHaveCountAsync(0);
        await PortalFixture.ScreenshotAsync(page, "sign-in-error.png");
    });

    [BrowserFact]
    public Task RunButton_IsDisabled_ForViewer() => portal.RunAsync(PortalFixture.Viewer, async page =>
    {
        await Expect(page.GetByTestId("workflow-boot-vm")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-boot-vm")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("nav-hangfire")).ToHaveCountAsync(0);

        await page.GotoPortalAsync("workflows/boot-vm/run");
        await Expect(page.GetByTestId("needs-operator")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("submit")).ToHaveCountAsync(0);
    });

    [BrowserFact]
    public Task HangfireDashboard_IsRefused_ForOperator() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await Expect(page.GetByTestId("nav-hangfire")).ToHaveCountAsync(0);
        // With the browser's cookie; a page load would only show chromium's error page for the empty 403.
        var response = await page.APIRequest.GetAsync("hangfire", new() { MaxRedirects = 0 });
        Assert.Equal(403, response.Status);
        Assert.DoesNotContain("Hangfire", await response.TextAsync(), StringComparison.Ordinal);
    });

    [BrowserFact]
    public Task HangfireDashboard_Opens_ForAdmin() => portal.RunAsync(PortalFixture.Admin, async page =>
    {
        await Expect(page.GetByTestId("nav-hangfire")).ToBeVisibleAsync();
        var response = await page.GotoAsync("hangfire");
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await Expect(page).ToHaveTitleAsync(new Regex("Hangfire"));
        await Expect(page).ToHaveURLAsync(new Regex("/hangfire$"));
    });
}
