using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>
/// A link into the portal (a filtered runs list) opened while signed out leads to the sign-in page with one spelling of
/// the return parameter (<c>returnUrl</c>), and back to the same address, query included, after either sign-in.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class DeepLinkTests(PortalFixture portal)
{
    [BrowserFact]
    public Task ADeepLink_SurvivesTheLocalSignIn() => portal.RunAsync(null, async page =>
    {
        var link = await OpenSignedOutAsync(page);

        await page.GetByTestId("login-username").FillAsync(PortalFixture.Operator);
        await page.GetByTestId("login-password").FillAsync(portal.PasswordOf(PortalFixture.Operator));
        await page.GetByTestId("login-submit").ClickAsync();

        await ExpectBackAtAsync(page, link, PortalFixture.Operator);
    });

    [BrowserFact]
    public Task ADeepLink_SurvivesTheSingleSignOn() => portal.RunAsync(null, async page =>
    {
        var link = await OpenSignedOutAsync(page);

        await PortalFixture.SignInWithSingleSignOnAsync(page, "bob");

        await ExpectBackAtAsync(page, link, "bob (SSO)");
    });

    /// <summary>Opens a filtered runs list signed out: the sign-in page, asked to return there as <c>returnUrl</c>.</summary>
    private static async Task<string> OpenSignedOutAsync(IPage page)
    {
        var marker = "deep" + Guid.NewGuid().ToString("N")[..10];
        var link = $"/runs?q={marker}&status=Failed";
        await page.GotoAsync(link.TrimStart('/'));
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?"));
        var query = new Uri(page.Url).Query;
        Assert.Matches(ReturnUrl(), query);
        Assert.DoesNotContain("ReturnUrl=", query, StringComparison.Ordinal);
        Assert.Equal(link, Uri.UnescapeDataString(ReturnUrl().Match(query).Groups["url"].Value));
        return link;
    }

    private static async Task ExpectBackAtAsync(IPage page, string link, string user)
    {
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(user);
        await page.WaitForInteractiveAsync();
        Assert.Equal(link, new Uri(page.Url).PathAndQuery);
        await Expect(page.GetByTestId("runs-search")).ToHaveValueAsync(link[(link.IndexOf("q=", StringComparison.Ordinal) + 2)..link.IndexOf('&', StringComparison.Ordinal)]);
    }

    [GeneratedRegex("[?&]returnUrl=(?<url>[^&]+)")]
    private static partial Regex ReturnUrl();
}
