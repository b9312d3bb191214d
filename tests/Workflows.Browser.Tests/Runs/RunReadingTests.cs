using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>
/// An operator reads a finished run (issue 16, parts 1, 2 and 9): a step's evaluated inputs with its secret masked, the log
/// by step, Run again, the keyboard on the step cards, and a failed step brought into view on a graph taller than the screen.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RunReadingTests(PortalFixture portal)
{
    // An upper bound for a run to finish on the sandbox (30 steps one after the other on a loaded machine), not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 120_000 };

    [BrowserFact]
    public Task StepDrawer_ShowsTheEvaluatedInputs_WithTheSecretMaskedAndNowhereInThePage_AndCopiesAValue() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var (url, secret) = await StartSecretRunAsync(page);
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

        // Space opens a focused step card, as Enter does (a role="button" that is not a <button>).
        var card = page.GetByTestId("step-call");
        await card.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        var drawer = page.GetByTestId("step-details");
        await Expect(drawer).ToBeVisibleAsync();

        // The inputs as the step got them: the expressions evaluated, the one holding the secret masked.
        await Expect(drawer.GetByTestId("step-inputs-note")).ToContainTextAsync("as evaluated when it started; secrets masked");
        await Expect(drawer.GetByTestId("step-input-url").GetByTestId("input-value")).ToHaveTextAsync(url);
        await Expect(drawer.GetByTestId("step-input-url").GetByTestId("input-expression")).ToHaveTextAsync("${{ inputs.url }}");
        await Expect(drawer.GetByTestId("step-input-method").GetByTestId("input-value")).ToHaveTextAsync("POST");
        await Expect(drawer.GetByTestId("step-input-body").GetByTestId("input-masked")).ToHaveTextAsync("secret (masked)");
        await Expect(drawer.GetByTestId("step-input-body").GetByTestId("input-copy")).ToHaveCountAsync(0);

        // The copy button puts the value itself on the clipboard (a string without JSON's quotes).
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await drawer.GetByTestId("step-input-url").GetByTestId("input-copy").ClickAsync();
        await page.WaitForFunctionAsync("async url => (await navigator.clipboard.readText()) === url", url, new() { Timeout = 15_000 });

        // Nowhere in the page: not in the drawer, the run's inputs, the log, or any attribute.
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Enter opens another card the same way.
        await drawer.GetByTestId("step-details-close").ClickAsync();
        await Expect(drawer).ToHaveCountAsync(0);
        await page.GetByTestId("step-after").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("step-details")).ToContainTextAsync("core.delay");
        await Expect(page.GetByTestId("step-details").GetByTestId("step-input-duration").GetByTestId("input-value")).ToHaveTextAsync("1s");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
    });

    [BrowserFact]
    public Task Log_GivesEachLineItsTimeAndStep_FiltersByAStep_AndHighlightsASearch() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await StartSecretRunAsync(page);
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

        var log = page.GetByTestId("log-view");
        var lines = log.GetByTestId("log-line");
        await Expect(log.Locator("[data-testid=log-line][data-step=after]").First).ToBeVisibleAsync();
        await Expect(log.Locator("[data-testid=log-line][data-step=call]").First).ToBeVisibleAsync();

        // Each line: its time (local; UTC on hover, the machine-readable instant in datetime) and its step.
        var first = log.Locator("[data-testid=log-line][data-step=after]").First;
        await Expect(first.Locator("time.wf-log-time")).ToHaveAttributeAsync("title", new Regex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$"));
        await Expect(first.Locator("time.wf-log-time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d{2}-\d{2}T"));
        await Expect(first.Locator("time.wf-log-time")).ToHaveTextAsync(new Regex(@"\d{2}:\d{2}:\d{2}"));
        await Expect(first.Locator(".wf-log-step")).ToHaveTextAsync("after");

        // The run page and its log follow the run separately: the log may still fetch its last lines after the header
        // says Succeeded. Wait until it shows every line the server has (its download, without the separators).
        var id = new Regex("/runs/(?<id>[0-9a-f-]{36})$").Match(page.Url).Groups["id"].Value;
        var download = await page.APIRequest.GetAsync($"api/runs/{id}/logs.txt");
        Assert.True(download.Ok, $"GET api/runs/{id}/logs.txt: {download.Status}");
        Assert.Equal($"attachment; filename=\"test-secret-input-{id[..8]}-logs.txt\"", download.Headers["content-disposition"]);
        var all = (await download.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => !l.StartsWith("=====", StringComparison.Ordinal));
        await Expect(lines).ToHaveCountAsync(all);

        // A search: its matches are counted and marked.
        await page.GetByTestId("log-search").FillAsync("waiting 1S");
        await Expect(page.GetByTestId("log-matches")).ToHaveTextAsync("1 matching line(s)");
        await Expect(log.Locator("mark")).ToHaveTextAsync(new[] { "Waiting 1s" });
        await Expect(log.Locator("mark").Locator("xpath=ancestor::*[@data-testid='log-line']")).ToHaveAttributeAsync("data-step", "after");
        await page.GetByTestId("log-search").FillAsync("");
        await Expect(log.Locator("mark")).ToHaveCountAsync(0);
        await Expect(lines).ToHaveCountAsync(all);

        // Clicking a line's step shows only that step's lines.
        await first.Locator(".wf-log-step").ClickAsync();
        await Expect(log.Locator("[data-testid=log-line]:not([data-step=after])")).ToHaveCountAsync(0);
        Assert.True(await lines.CountAsync() < all, "the filter hid nothing");
    });

    [BrowserFact]
    public Task RunAgain_OpensTheStartFormFilledWithTheRunsInputs_AndStartsNothingByItself() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var (url, _) = await StartSecretRunAsync(page);
        var marker = new Regex("test=(?<marker>[0-9a-f]{32})").Match(url).Groups["marker"].Value;
        var id = new Regex("/runs/(?<id>[0-9a-f-]{36})$").Match(page.Url).Groups["id"].Value;
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

        await page.GetByTestId("run-again").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/workflows/test-secret-input/run\\?from={id}$"));
        await Expect(page.Input("url")).ToHaveValueAsync(url);
        // A secret is never sent back to the browser: the form asks for it again.
        await Expect(page.Input("token")).ToHaveValueAsync("");
        await Expect(page.GetByTestId("submit")).ToBeVisibleAsync();

        // One click started nothing: a search by the run's unique URL finds the first run only.
        await page.GotoPortalAsync($"runs?q={marker}");
        await Expect(page.GetByTestId("runs-total")).ToHaveTextAsync("1 run(s)");
        await Expect(page.GetByTestId($"run-row-{id}")).ToBeVisibleAsync();
    });

    [BrowserFact]
    public Task FailedStep_IsBroughtIntoView_WhenTheGraphIsTallerThanTheWindow() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        await page.StartRunAsync("test-tall-failure");
        var failed = page.GetByTestId("step-last-step-fails");

        // The last of 30 chained steps starts below the first screen of the page.
        await Expect(failed).ToBeVisibleAsync();
        var top = await failed.EvaluateAsync<double>("e => e.getBoundingClientRect().top + window.scrollY");
        Assert.True(top > PortalFixture.Desktop.Height, $"the failed step's card starts at {top}px, inside the first screen: the test proves nothing");

        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Failed", Finished);
        await Expect(failed).ToHaveAttributeAsync("data-status", "Failed");
        await Expect(failed).ToBeInViewportAsync();
        await Expect(failed.GetByTestId("step-error")).ToContainTextAsync("is not a duration");
        var (overflow, culprits) = await page.HorizontalOverflowAsync();
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px: {culprits}");
    });

    /// <summary>
    /// Starts <c>test-secret-input</c> (Scenarios/test-secret-input.yaml): the step <c>call</c> POSTs a secret to the test
    /// server's /healthz (a URL unique to this test, so runs can be searched by it), then <c>after</c> waits a second.
    /// </summary>
    private async Task<(string Url, string Secret)> StartSecretRunAsync(IPage page)
    {
        var url = new Uri(portal.BaseUrl, $"healthz?test={Guid.NewGuid():N}").ToString();
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        await page.StartRunAsync("test-secret-input", new Dictionary<string, string> { ["url"] = url, ["token"] = secret });
        return (url, secret);
    }
}
