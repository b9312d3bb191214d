using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Triggers;

/// <summary>An admin edits an API schedule, finds a definition's schedule read-only with a way to its YAML, and reads why a hook rejects everything.</summary>
[Collection(PortalCollection.Name)]
public sealed class TriggerEditingTests(PortalFixture portal)
{
    [BrowserFact]
    public async Task Admin_EditsAnApiSchedule_InTheDialogFilledWithItsValues()
    {
        var name = "edit-" + Guid.NewGuid().ToString("N")[..8];
        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            await page.GotoPortalAsync("schedules");
            await page.GetByTestId("new-schedule").ClickAsync();
            var dialog = page.GetByTestId("schedule-dialog");
            await dialog.GetByTestId("schedule-workflow").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "test-long-wait", Exact = true }).ClickAsync();
            await dialog.GetByTestId("schedule-name").FillAsync(name);
            await dialog.GetByTestId("schedule-cron").FillAsync("0 3 * * 1-5");
            await dialog.GetByTestId("submit").ClickAsync();
            var row = page.GetByTestId($"schedule-test-long-wait-{name}");
            await Expect(row.GetByTestId("schedule-description")).ToHaveTextAsync("at 03:00 on Monday–Friday");

            await row.GetByTestId("edit-schedule").ClickAsync();
            dialog = page.GetByTestId("schedule-dialog");
            await Expect(dialog.GetByTestId("schedule-name")).ToHaveValueAsync(name);
            await Expect(dialog.GetByTestId("schedule-name")).ToBeDisabledAsync();
            await Expect(dialog.GetByTestId("schedule-cron")).ToHaveValueAsync("0 3 * * 1-5");
            await Expect(dialog.GetByTestId("schedule-timezone")).ToHaveValueAsync("UTC");
            await dialog.GetByTestId("schedule-cron").FillAsync("30 4 * * 6");
            await page.PickAsync(dialog.GetByTestId("schedule-timezone"), "America/New_York");
            await Expect(dialog.GetByTestId("schedule-description")).ToHaveTextAsync("at 04:30 on Saturday");
            await dialog.GetByTestId("submit").ClickAsync();

            await Expect(dialog).ToHaveCountAsync(0);
            await Expect(row.GetByTestId("schedule-description")).ToHaveTextAsync("at 04:30 on Saturday");
            await Expect(row.GetByTestId("schedule-zone")).ToHaveTextAsync("America/New_York");
            await Expect(row.GetByTestId("schedule-next").Locator("div").First).ToHaveTextAsync(new Regex(@"^Sat \d{4}-\d{2}-\d{2} 04:30 -0[45]:00$"));
            await Expect(row.GetByTestId("schedule-source")).ToContainTextAsync("changed by");
            await Expect(page.GetByTestId($"schedule-test-long-wait-{name}")).ToHaveCountAsync(1);

            await row.GetByTestId("delete-schedule").ClickAsync();
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
        });
    }

    [BrowserFact]
    public async Task DefinitionSchedule_IsReadOnly_AndLinksToItsYaml()
    {
        var workflow = "nightly-" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(portal.WorkflowsDirectory, workflow + ".yaml");
        await File.WriteAllTextAsync(file, $$"""
            name: {{workflow}}
            description: Declares its schedule in its file
            triggers:
              - schedule: { name: yearly, cron: "0 3 1 1 *", timezone: Europe/Berlin }
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 1ms }
            """);
        try
        {
            await portal.RunAsync(PortalFixture.Admin, async page =>
            {
                await WaitForWorkflowAsync(page, workflow);
                await page.GotoPortalAsync("schedules");
                var row = page.GetByTestId($"schedule-{workflow}-yearly");
                await Expect(row.GetByTestId("schedule-source")).ToContainTextAsync($"definition {workflow}.yaml");
                await Expect(row.GetByTestId("edit-schedule")).ToHaveCountAsync(0);
                await Expect(row.GetByTestId("delete-schedule")).ToHaveCountAsync(0);
                await Expect(row.GetByTestId("pause")).ToBeEnabledAsync(); // pausing is not editing: an admin may pause a declared schedule

                await row.GetByTestId("schedule-yaml").ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex($"/workflows/{workflow}#source$"));
                await Expect(page.GetByTestId("yaml-source")).ToContainTextAsync("cron: \"0 3 1 1 *\"");
                await Expect(page.GetByTestId("workflow-source")).ToBeInViewportAsync();
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [BrowserFact]
    public Task NoSecretChip_SaysInItsTooltip_HowToSetTheSecret() => portal.RunAsync(PortalFixture.Admin, async page =>
    {
        await page.GotoPortalAsync("webhooks");
        var chip = page.GetByTestId("hook-ci-rollout").GetByTestId("no-secret");
        await Expect(chip).ToHaveTextAsync("no secret");
        await chip.HoverAsync();
        var tooltip = page.Locator(".mud-tooltip").Filter(new() { HasText = "No secret" });
        await Expect(tooltip).ToBeVisibleAsync();
        await Expect(tooltip).ToHaveTextAsync("No secret: every delivery is rejected. Set Webhooks:Secrets:ci-rollout (environment Webhooks__Secrets__ci-rollout) to the secret the sender signs with.");
    });

    private static async Task WaitForWorkflowAsync(IPage page, string workflow)
    {
        // The server notices the folder's change by itself, a moment later; an upper bound, not a pace.
        var clock = Stopwatch.StartNew();
        while (!(await page.APIRequest.GetAsync($"api/workflows/{workflow}")).Ok)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the server did not load {workflow} within 60 s");
            await Task.Delay(250);
        }
    }
}
