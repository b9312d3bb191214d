using System.Diagnostics;
using System.Text.RegularExpressions;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Workflows;

/// <summary>
/// Definitions that fail to load, counted by file (issue 16, part 9), and a start form's validation in words where the
/// definition gives its pattern a <c>patternHint</c>.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DefinitionAndFormTests(PortalFixture portal)
{
    [BrowserFact]
    public Task DefinitionErrors_AreCountedByFile_AndEachErrorIsListedWithItsLine() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        // Two files, three errors: the headline counts the files.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var twoErrors = Path.Combine(portal.WorkflowsDirectory, $"broken-two-{suffix}.yaml");
        var oneError = Path.Combine(portal.WorkflowsDirectory, $"broken-one-{suffix}.yaml");
        await File.WriteAllTextAsync(twoErrors, $"name: broken-two-{suffix}\nsteps:\n  - id: first\n    uses: no.such.action\n  - id: second\n    uses: no.such.action.either\n");
        await File.WriteAllTextAsync(oneError, $"name: broken-one-{suffix}\nsteps:\n  - id: only\n    uses: no.such.action\n");
        try
        {
            await WaitForErrorsAsync(page, suffix, present: true);
            await page.GotoPortalAsync("workflows");

            var alert = page.GetByTestId("definition-errors");
            var mine = alert.GetByTestId("definition-error").Filter(new() { HasText = suffix });
            await Expect(mine).ToHaveCountAsync(3);
            await Expect(alert.Locator("b").First).ToHaveTextAsync(new Regex(@"^\d+ definition file\(s\) failed to load\.$"));
            // The headline counts the files its list names. Other tests' files may still be listed (the server drops
            // a deleted file's errors a moment later, and the page refreshes by itself): compare the two in one reading
            // of the page, waited for like an assertion, not a list read once against a headline read later.
            var consistent = await alert.EvaluateAsync<bool>(
                """
                alert => new Promise(resolve => {
                  const check = () => {
                    const files = new Set([...alert.querySelectorAll('[data-testid=definition-error-link]')].map(l => l.textContent.split(':')[0]));
                    const headline = alert.querySelector('b');
                    return headline !== null && headline.textContent.trim() === `${files.size} definition file(s) failed to load.`;
                  };
                  const deadline = Date.now() + 5000;
                  const poll = () => check() ? resolve(true) : Date.now() > deadline ? resolve(false) : setTimeout(poll, 100);
                  poll();
                })
                """);
            Assert.True(consistent, "the headline does not count the files the list names: " + await alert.InnerTextAsync());
            var files = await alert.GetByTestId("definition-error-link").EvaluateAllAsync<string[]>("links => links.map(l => l.textContent.split(':')[0])");
            Assert.Equal(3, files.Count(f => f.Contains(suffix, StringComparison.Ordinal)));
            Assert.Equal(2, files.Where(f => f.Contains(suffix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Count());
            await Expect(mine.First.GetByTestId("definition-error-link")).ToHaveTextAsync(new Regex($@"(^|/)broken-(one|two)-{suffix}\.yaml:\d+:\d+$"));
        }
        finally
        {
            File.Delete(twoErrors);
            File.Delete(oneError);
        }

        // Fixed (here: removed), they are gone from the page, so later tests see a clean list.
        await WaitForErrorsAsync(page, suffix, present: false);
        await page.GotoPortalAsync("workflows");
        await Expect(page.GetByTestId("definition-error").Filter(new() { HasText = suffix })).ToHaveCountAsync(0);
    });

    [BrowserFact]
    public Task StartForm_SaysWhatAPatternAsksFor_InWords_NotAsARegularExpression() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.GotoPortalAsync("workflows/boot-vm/run");
        await Expect(page.GetByTestId("hint-name")).ToHaveTextAsync("Expected: a lowercase letter, then up to 62 lowercase letters, digits or '-'");

        await page.Input("name").FillAsync("Web_1");

        await Expect(page.GetByTestId("error-name")).ToHaveTextAsync("'Web_1' is not valid: expected a lowercase letter, then up to 62 lowercase letters, digits or '-'.");
        await Expect(page.GetByTestId("error-name")).Not.ToContainTextAsync("[a-z]");
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/workflows/boot-vm/run$"));

        await page.Input("name").FillAsync("web-1");
        await Expect(page.GetByTestId("error-name")).ToHaveCountAsync(0);
    });

    /// <summary>Waits until the server has (re)loaded its workflows folder: the errors API names this test's files, or no longer does.</summary>
    private static async Task WaitForErrorsAsync(Microsoft.Playwright.IPage page, string suffix, bool present)
    {
        // The server notices the folder's change by itself, a moment later; an upper bound, not a pace.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var body = await (await page.APIRequest.GetAsync("api/workflows/errors")).TextAsync();
            if (body.Contains(suffix, StringComparison.Ordinal) == present)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the server did not {(present ? "report" : "drop")} the broken files within 60 s: {body}");
            await Task.Delay(250);
        }
    }
}
