using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Accessibility;

/// <summary>
/// The accessibility pass of the portal's main pages: axe-core (npm, installed by the test command's
/// <c>.ci/services/axe.sh</c>) runs in the page against WCAG 2.1 A and AA and finds no serious or critical violation.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AccessibilityTests(PortalFixture portal)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public async Task SignInPage_HasNoSeriousViolations() =>
        await portal.RunAsync(null, async page =>
        {
            await page.GotoAsync("login");
            await AssertAccessibleAsync(page, "login");
        });

    [BrowserFact]
    public async Task MainPages_HaveNoSeriousViolations_ForAnOperator() =>
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            var id = await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = "axe-" + Guid.NewGuid().ToString("N")[..8] });
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);

            var failures = new List<string>();
            foreach (var path in new[] { "", "runs", $"runs/{id}", "workflows/boot-vm", "workflows/boot-vm/run", "approvals", "resources", "schedules", "webhooks", "clouds", "tokens" })
            {
                await page.GotoPortalAsync(path);
                failures.AddRange(await ViolationsAsync(page, "/" + path));
            }

            // A plain form (no interactive circuit to wait for).
            await page.GotoAsync("account/password");
            failures.AddRange(await ViolationsAsync(page, "/account/password"));

            Assert.True(failures.Count == 0, string.Join("\n", failures));
        });

    [BrowserFact]
    public async Task AdministrationPages_HaveNoSeriousViolations_ForAnAdmin() =>
        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            var failures = new List<string>();
            foreach (var path in new[] { "admin/users", "tokens" })
            {
                await page.GotoPortalAsync(path);
                failures.AddRange(await ViolationsAsync(page, "/" + path));
            }

            Assert.True(failures.Count == 0, string.Join("\n", failures));
        });

    [BrowserFact]
    public async Task RunPage_StepDrawer_HasNoSeriousViolations() =>
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = "axe-" + Guid.NewGuid().ToString("N")[..8] });
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
            await page.GetByTestId("step-server").First.ClickAsync();
            await Expect(page.GetByTestId("step-details")).ToBeVisibleAsync();

            await AssertAccessibleAsync(page, "step drawer");
        });

    [BrowserFact]
    public async Task MainPages_HaveNoSeriousViolations_InDarkMode() =>
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            // The browser prefers dark: the layout follows it (nothing is saved in this fresh context).
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
            await page.GotoPortalAsync("");
            await AssertDarkAsync(page);

            // Something in each page: a run that succeeded (graph, outputs, log with times), one waiting for approval (inbox).
            var id = await page.StartRunAsync("boot-vm", new Dictionary<string, string> { ["name"] = "axe-" + Guid.NewGuid().ToString("N")[..8] });
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
            await page.GotoPortalAsync("");
            var waiting = await page.StartRunAsync("test-approval-gate");
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "WaitingForApproval", Finished);

            var failures = new List<string>();
            foreach (var path in new[] { "", "workflows/boot-vm", "runs", $"runs/{id}", $"runs/{waiting}", "approvals" })
            {
                await page.GotoPortalAsync(path);
                await AssertDarkAsync(page);
                failures.AddRange(await ViolationsAsync(page, "/" + path + " (dark)"));
            }

            await page.GotoPortalAsync($"runs/{id}");
            await AssertDarkAsync(page);
            await page.GetByTestId("step-server").First.ClickAsync();
            await Expect(page.GetByTestId("step-details")).ToBeVisibleAsync();
            await SettledAsync(page);
            failures.AddRange(await ViolationsAsync(page, "step drawer (dark)"));

            await page.GotoPortalAsync("approvals");
            await AssertDarkAsync(page);
            await page.GetByTestId($"inbox-reject-{waiting}").ClickAsync();
            await Expect(page.GetByTestId("decision-dialog")).ToBeVisibleAsync();
            await SettledAsync(page);
            failures.AddRange(await ViolationsAsync(page, "decision dialog (dark)"));
            await page.GetByTestId("decision-comment").FillAsync("not needed any more");
            await page.GetByTestId("decision-confirm").ClickAsync();
            await Expect(page.GetByTestId($"inbox-reject-{waiting}")).ToHaveCountAsync(0);

            Assert.True(failures.Count == 0, string.Join("\n", failures));
        });

    /// <summary>Waits until the layout has switched to the dark palette and its colours stopped changing.</summary>
    private static async Task AssertDarkAsync(IPage page)
    {
        await Expect(page.GetByTestId("dark-mode-toggle")).ToHaveAttributeAsync("data-mode", "dark");
        await SettledAsync(page);
    }

    /// <summary>Waits for the page's CSS transitions (colours fading to the dark palette, a drawer or dialog opening) to end.</summary>
    private static async Task SettledAsync(IPage page) =>
        await page.EvaluateAsync("() => Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition).map(a => a.finished.catch(() => null)))");

    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var failures = await ViolationsAsync(page, what);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Runs axe-core in the page once its CSS transitions have ended (a drawer or dialog sliding and fading in, a palette
    /// changing: axe measures contrast on the colours of the moment); returns one line per serious or critical violation,
    /// with the elements it names.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page, string what)
    {
        await SettledAsync(page);
        var script = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_AXE");
        if (string.IsNullOrEmpty(script) || !File.Exists(script))
        {
            throw new InvalidOperationException(
                $"axe-core is missing (WORKFLOWS_TEST_AXE='{script}'): run the tests with the test command (.ci/test.sh), whose .ci/services/axe.sh installs it from npm.");
        }

        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = script });
        }

        var result = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
              return r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\n').slice(0, 3).join(' ')) }));
            }
            """);
        var lines = new List<string>();
        foreach (var v in result.EnumerateArray())
        {
            var text = new StringBuilder($"{what}: [{v.GetProperty("impact").GetString()}] {v.GetProperty("id").GetString()} — {v.GetProperty("help").GetString()}");
            foreach (var n in v.GetProperty("nodes").EnumerateArray())
            {
                text.Append("\n    ").Append(n.GetString());
            }

            lines.Add(text.ToString());
        }

        return lines;
    }
}
