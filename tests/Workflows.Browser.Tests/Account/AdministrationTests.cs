using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>Users, the forced first password change and API tokens, in Chromium.</summary>
[Collection(PortalCollection.Name)]
public sealed class AdministrationTests(PortalFixture portal)
{
    [BrowserFact]
    public Task NewUser_MustChangeTheOneTimePassword_AtFirstSignIn_ThenUsesThePortal() => portal.RunAsync(PortalFixture.Admin, async page =>
    {
        var name = "ada" + Guid.NewGuid().ToString("N")[..8];
        await page.GotoPortalAsync("admin/users");
        await page.GetByTestId("user-new-name").FillAsync(name);
        await page.GetByTestId("user-create").ClickAsync();
        var oneTime = (await page.GetByTestId("user-one-time-password").TextContentAsync())!.Trim();
        await Expect(page.GetByTestId($"user-status-{name}")).ToHaveTextAsync(new Regex("must change password"));
        await PortalFixture.ScreenshotAsync(page, "users.png");

        await page.GetByTestId("logout").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GotoAsync("runs");
        await page.GetByTestId("login-username").FillAsync(name);
        await page.GetByTestId("login-password").FillAsync(oneTime);
        await page.GetByTestId("login-submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/account/password\\?returnUrl=%2Fruns$"));
        await Expect(page.GetByTestId("password-must-change")).ToBeVisibleAsync();
        await page.GotoAsync("workflows");
        await Expect(page).ToHaveURLAsync(new Regex("/account/password"));
        await PortalFixture.ScreenshotAsync(page, "change-password.png");

        await page.GetByTestId("password-current").FillAsync(oneTime);
        await Expect(page.GetByTestId("password-new")).ToHaveAttributeAsync("minlength", "12");
        await page.GetByTestId("password-new").FillAsync("my own long password");
        await page.GetByTestId("password-confirm").FillAsync("my own long password");
        await page.GetByTestId("password-submit").ClickAsync();

        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(name);
        await page.WaitForInteractiveAsync();
        await page.GotoPortalAsync("runs");
        await Expect(page).ToHaveURLAsync(new Regex("/runs$"));
    });

    [BrowserFact]
    public Task ChangePassword_OfAConfigurationUser_SaysWhereItIsChanged() => portal.RunAsync(PortalFixture.Viewer, async page =>
    {
        await page.GetByTestId("change-password").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/password"));
        await page.GetByTestId("password-current").FillAsync("whatever it was");
        await page.GetByTestId("password-new").FillAsync("another long password");
        await page.GetByTestId("password-confirm").FillAsync("another long password");
        await page.GetByTestId("password-submit").ClickAsync();

        // The fixture's viewer is defined in configuration, which the server never writes.
        await Expect(page.GetByTestId("password-error")).ToContainTextAsync("Auth:Users");
    });

    [BrowserFact]
    public Task Token_IsShownOnce_Works_AndStopsWorkingWhenRevoked() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "ci-" + Guid.NewGuid().ToString("N")[..8];
        await page.GetByTestId("nav-tokens").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        await page.GetByTestId("token-name").FillAsync(name);
        await page.GetByTestId("token-create").ClickAsync();

        await Expect(page.GetByTestId("token-created")).ToContainTextAsync("not shown again");
        var token = (await page.GetByTestId("token-value").TextContentAsync())!.Trim();
        Assert.StartsWith("wft_", token, StringComparison.Ordinal);
        var headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" };
        var me = await page.APIRequest.GetAsync("api/me", new() { Headers = headers });
        Assert.Equal(200, me.Status);
        Assert.Contains($"token:{name}", await me.TextAsync(), StringComparison.Ordinal);
        await PortalFixture.ScreenshotAsync(page, "tokens.png");

        var row = page.Locator("tr", new() { Has = page.GetByText(name, new() { Exact = true }) });
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();

        await Expect(page.GetByText(name, new() { Exact = true })).ToHaveCountAsync(0);
        Assert.Equal(401, (await page.APIRequest.GetAsync("api/me", new() { Headers = headers })).Status);
    });
}
