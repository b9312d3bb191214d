using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Layout;

/// <summary>What every page shares (issue 16, parts 4 and 9): the remembered dark mode, and the portal's own not-found page.</summary>
[Collection(PortalCollection.Name)]
public sealed class LayoutTests(PortalFixture portal)
{
    [BrowserFact]
    public Task DarkMode_ChosenWithTheMoon_IsRememberedAcrossReloads() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        // The fixture's browser prefers light: the portal starts light.
        var toggle = page.GetByTestId("dark-mode-toggle");
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "light");

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "dark");
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "dark");

        // Another page, loaded afresh, is dark too; and back to light is remembered the same way.
        await page.GotoPortalAsync("runs");
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "dark");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "light");
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Expect(toggle).ToHaveAttributeAsync("data-mode", "light");
    });

    [BrowserFact]
    public Task SignOut_StaysOnOneLine_OnADesktopAndOnAPhone() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        foreach (var size in new[] { PortalFixture.Desktop, PortalFixture.Phone })
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);
            var button = page.GetByTestId("logout");
            await Expect(button).ToBeVisibleAsync();

            // After a resize MudBlazor lays the app bar and the drawer out again from script, a moment after the window
            // has its new size: measure once the page has settled (it stops scrolling sideways, and the label fits on one
            // line, waited for up to 15 s), not in between.
            var (overflow, culprits) = await page.HorizontalOverflowAsync();
            var lines = await TextLinesAsync(page, button);
            Assert.True(lines == 1, $"'Sign out' takes {lines} lines at {size.Width}px");
            Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px at {size.Width}px: {culprits}");
        }
    });

    /// <summary>
    /// Returns on how many lines an element's text lies (the distinct tops of its text boxes: 2 when "Sign out" wraps into
    /// "SIGN" over "OUT"), after waiting up to 15 s for it to lie on one.
    /// </summary>
    private static async Task<int> TextLinesAsync(IPage page, ILocator element)
    {
        const string Lines = """
            e => {
              const tops = new Set();
              const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                if (!n.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(n);
                for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
              }
              return tops.size;
            }
            """;
        var handle = await element.ElementHandleAsync();
        try
        {
            await page.WaitForFunctionAsync($"e => ({Lines})(e) === 1", handle, new PageWaitForFunctionOptions { Timeout = 15_000, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            // Still wrapped after 15 s: measured and reported by the caller.
        }

        return await element.EvaluateAsync<int>(Lines);
    }

    [BrowserFact]
    public Task UnknownPath_ShowsThePortalsOwnNotFoundPage_WithItsNavigation() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        foreach (var path in new[] { "no/such/page", "workflows/boot-vm/no-such-tab" })
        {
            PortalFixture.ExpectHttpError(page, 404, "/" + path);
            var response = await page.GotoAsync(path);

            Assert.Equal(404, response!.Status);
            await Expect(page).ToHaveTitleAsync("Not found · Workflows");
            await Expect(page.GetByTestId("empty-state")).ToContainTextAsync("Page not found");
            await Expect(page.GetByTestId("nav-runs")).ToBeVisibleAsync();
            await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        }
    });
}
