using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>An admin disables and resets local users in Chromium, while the user is signed in in another browser.</summary>
[Collection(PortalCollection.Name)]
public sealed class UsersTests(PortalFixture portal)
{
    [BrowserFact]
    public Task DisablingAUser_SignsOutTheirOpenPortal_AndTheyCannotSignInAgain_UntilEnabledAndReset() => portal.RunAsync(PortalFixture.Admin, async admin =>
    {
        var name = "bea" + Guid.NewGuid().ToString("N")[..8];
        const string Password = "bea's own long password";
        await admin.GotoPortalAsync("admin/users");
        var oneTime = await AddUserAsync(admin, name);

        // B, in a second browser, signs in, chooses a password and works in the portal: an open circuit on the runs page.
        await using var second = await portal.NewContextAsync();
        var b = await second.NewPageAsync();
        await SignInAsync(b, name, oneTime, "workflows");
        await Expect(b).ToHaveURLAsync(new Regex("/account/password"));
        await ChoosePasswordAsync(b, name, oneTime, Password);
        await b.GotoPortalAsync("runs");
        await b.MarkDocumentAsync();

        await admin.GetByTestId($"user-toggle-{name}").ClickAsync();
        var confirm = admin.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToContainTextAsync("Their open sessions end");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(admin.GetByTestId($"user-status-{name}")).ToHaveTextAsync("disabled");
        await Expect(admin.GetByTestId($"user-toggle-{name}")).ToHaveTextAsync("Enable");

        // The open circuit makes no HTTP request a cookie check could see: B is sent to the sign-in page without doing anything.
        await Expect(b).ToHaveURLAsync(new Regex("/login\\?returnUrl=%2Fruns$"));
        Assert.False(await b.IsSameDocumentAsync(), "B's page should have been replaced by the sign-in page.");
        await b.GotoAsync("runs");
        await Expect(b).ToHaveURLAsync(new Regex("/login"));
        await SignInAsync(b, name, Password, "runs");
        await Expect(b.GetByTestId("login-error")).ToHaveTextAsync(new Regex("disabled"));
        await Expect(b.GetByTestId("user-name")).ToHaveCountAsync(0);

        // Enabled again and reset: the old password no longer works, the one-time one leads to the forced change.
        await admin.GetByTestId($"user-toggle-{name}").ClickAsync();
        await Expect(admin.GetByTestId($"user-status-{name}")).ToHaveTextAsync("active");
        await admin.GetByTestId($"user-reset-{name}").ClickAsync();
        confirm = admin.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToContainTextAsync("must choose a new password");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await Expect(admin.GetByTestId("user-password-issued")).ToContainTextAsync(name);
        await Expect(admin.GetByTestId("user-one-time-password")).Not.ToHaveTextAsync(oneTime);
        var reset = (await admin.GetByTestId("user-one-time-password").TextContentAsync())!.Trim();
        await Expect(admin.GetByTestId($"user-status-{name}")).ToHaveTextAsync("must change password");

        await SignInAsync(b, name, Password, "runs");
        await Expect(b.GetByTestId("login-error")).ToHaveTextAsync("The user name or password is wrong.");
        await SignInAsync(b, name, reset, "runs");
        await Expect(b).ToHaveURLAsync(new Regex("/account/password\\?returnUrl=%2Fruns$"));
        await ChoosePasswordAsync(b, name, reset, Password + " again");
        await b.GotoPortalAsync("runs");
        await Expect(b).ToHaveURLAsync(new Regex("/runs$"));
    });

    [BrowserFact]
    public Task UsersFromConfiguration_AndFromTheIdentityProvider_AreReadOnly() => portal.RunAsync(PortalFixture.Admin, async admin =>
    {
        var sso = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_OIDC_AUTHORITY") is { Length: > 0 };
        if (sso)
        {
            // Bob is known to the server once she has signed in through the provider.
            await using var second = await portal.NewContextAsync();
            await PortalFixture.SignInWithSingleSignOnAsync(await second.NewPageAsync(), "bob");
        }

        await admin.GotoPortalAsync("admin/users");
        foreach (var (user, source) in new[] { (PortalFixture.Operator, "configuration") }.Concat(sso ? [("oidc:bob", "single sign-on")] : []))
        {
            var row = admin.Locator("tr", new() { Has = admin.GetByTestId($"user-row-{user}") });
            await Expect(admin.GetByTestId($"user-source-{user}")).ToContainTextAsync(source, new() { IgnoreCase = true });
            await Expect(row).ToContainTextAsync("read-only");
            await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
            await Expect(row.GetByRole(AriaRole.Combobox)).ToHaveCountAsync(0);
        }
    });

    private static async Task<string> AddUserAsync(IPage admin, string name)
    {
        await admin.GetByTestId("user-new-name").FillAsync(name);
        await admin.GetByTestId("user-create").ClickAsync();
        await Expect(admin.GetByTestId($"user-status-{name}")).ToHaveTextAsync(new Regex("must change password"));
        return (await admin.GetByTestId("user-one-time-password").TextContentAsync())!.Trim();
    }

    private static async Task SignInAsync(IPage page, string name, string password, string returnTo)
    {
        await page.GotoAsync($"login?returnUrl=%2F{returnTo}");
        await page.GetByTestId("login-username").FillAsync(name);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    private static async Task ChoosePasswordAsync(IPage page, string name, string current, string password)
    {
        await page.GetByTestId("password-current").FillAsync(current);
        await page.GetByTestId("password-new").FillAsync(password);
        await page.GetByTestId("password-confirm").FillAsync(password);
        await page.GetByTestId("password-submit").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(name);
        await page.WaitForInteractiveAsync();
    }
}
