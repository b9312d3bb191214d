using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workflows.Browser.Tests.Hosting;

/// <summary>Steps that many portal scenarios take.</summary>
public static partial class PortalPageExtensions
{
    /// <summary>Waits until the prerendered page is connected to its Blazor circuit (its buttons work).</summary>
    public static async Task WaitForInteractiveAsync(this IPage page) =>
        await page.WaitForFunctionAsync("() => window.__wfInteractive === true", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

    /// <summary>Loads a portal page (a full page load) and waits until it is interactive.</summary>
    public static async Task GotoPortalAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>Marks the current document, so <see cref="IsSameDocumentAsync"/> can tell whether the browser reloaded since.</summary>
    public static async Task MarkDocumentAsync(this IPage page) =>
        await page.EvaluateAsync("() => { window.__wfMarked = true; }");

    /// <summary>Returns whether the document marked by <see cref="MarkDocumentAsync"/> is still the one shown.</summary>
    public static async Task<bool> IsSameDocumentAsync(this IPage page) =>
        await page.EvaluateAsync<bool>("() => window.__wfMarked === true");

    /// <summary>Types into an autocomplete, picks the option with exactly that text, and waits until its list has closed
    /// (an open list lies over the dialog's buttons).</summary>
    public static async Task PickAsync(this IPage page, ILocator autocomplete, string option)
    {
        await autocomplete.FillAsync(option);
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(autocomplete).ToHaveValueAsync(option);
        await Microsoft.Playwright.Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    /// <summary>Returns the text input of a workflow input in a generated form.</summary>
    public static ILocator Input(this ILocator scope, string name) => scope.GetByTestId("input-" + name);

    /// <summary>Returns the text input of a workflow input in a generated form.</summary>
    public static ILocator Input(this IPage page, string name) => page.GetByTestId("input-" + name);

    /// <summary>Starts a run with the Run button of the workflows page and the generated form; returns its id.</summary>
    /// <param name="page">A page signed in as an operator, showing the workflows page.</param>
    /// <param name="workflow">The workflow.</param>
    /// <param name="inputs">Text inputs to fill in; the others keep their defaults.</param>
    public static async Task<Guid> StartRunAsync(this IPage page, string workflow, IReadOnlyDictionary<string, string>? inputs = null)
    {
        // The card grows when its last run has loaded, moving the button; click once it stays put.
        var card = page.GetByTestId("workflow-" + workflow);
        await Assertions.Expect(card.GetByTestId("last-run").Locator(".mud-progress-linear")).ToHaveCountAsync(0);
        await card.GetByTestId("run-" + workflow).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/workflows/{Regex.Escape(workflow)}/run$"));
        foreach (var (name, value) in inputs ?? new Dictionary<string, string>())
        {
            await page.Input(name).FillAsync(value);
        }

        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(RunUrl());
        return Guid.Parse(RunUrl().Match(page.Url).Groups["id"].Value);
    }

    /// <summary>Returns the run status chip in the run page's header.</summary>
    public static ILocator RunStatus(this IPage page) => page.GetByTestId("run-header").GetByTestId("run-status");

    /// <summary>
    /// Returns how far the page scrolls sideways (0 when it does not) and, when it does, the outermost elements that reach
    /// past the window's right edge, for the assertion's message. Like Playwright's assertions it first waits (up to
    /// 15 s) for the page to stop scrolling sideways: after a resize or a first render MudBlazor lays some parts out
    /// from script (the tabs' scroller, the drawers' breakpoint), a moment after the document has its new width.
    /// </summary>
    public static async Task<(int Overflow, string Culprits)> HorizontalOverflowAsync(this IPage page)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth",
                null,
                new PageWaitForFunctionOptions { Timeout = 15_000, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            // Still scrolling sideways after 15 s: measured and reported below.
        }

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        var culprits = overflow <= 0 ? "" : await page.EvaluateAsync<string>("""
            () => {
              const w = document.documentElement.clientWidth;
              const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5);
              const outer = wide.filter(e => !wide.includes(e.parentElement));
              return outer.slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (right ${Math.round(e.getBoundingClientRect().right)})`).join(', ');
            }
            """);
        return (overflow, culprits);
    }

    [GeneratedRegex("/runs/(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial Regex RunUrl();
}
