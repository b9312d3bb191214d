using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Workflows;

/// <summary>
/// A workflow's own page documents it (description, inputs, its schedule's next fires, its webhook's address) and
/// shows its file's load errors with line and column, the file named as it is in the workflows folder.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WorkflowDocumentationTests(PortalFixture portal)
{
    [BrowserFact]
    public async Task WorkflowPage_DocumentsInputsAndTriggers_ThenListsItsFilesLoadErrors_WithLineAndColumn()
    {
        var name = "doc-" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(portal.WorkflowsDirectory, name + ".yaml");
        var good = $$"""
            name: {{name}}
            description: Copies a bucket to the region chosen, for the browser test
            inputs:
              region: { type: enum, values: [north, south], default: north, description: Where the copy goes }
              copies: { type: int, required: true, description: How many copies are kept }
            triggers:
              - schedule: { name: new-year, cron: "0 3 1 1 *", timezone: Europe/Berlin }
              - webhook: { name: {{name}} }
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 1ms }
            """;
        await File.WriteAllTextAsync(file, good);
        try
        {
            await portal.RunAsync(PortalFixture.Operator, async page =>
            {
                await WaitForAsync(page, $"api/workflows/{name}", found: true);
                await page.GotoPortalAsync($"workflows/{name}");

                await Expect(page.GetByTestId("workflow-description")).ToHaveTextAsync("Copies a bucket to the region chosen, for the browser test");
                var region = page.GetByTestId("workflow-inputs").GetByTestId("input-region");
                await Expect(region).ToContainTextAsync("enum");
                await Expect(region.GetByTestId("input-default")).ToHaveTextAsync("\"north\"");
                await Expect(region.GetByTestId("input-allowed")).ToContainTextAsync("north");
                await Expect(region.GetByTestId("input-allowed")).ToContainTextAsync("south");
                await Expect(region).ToContainTextAsync("Where the copy goes");
                var copies = page.GetByTestId("workflow-inputs").GetByTestId("input-copies");
                await Expect(copies.Locator("td").Nth(2)).ToHaveTextAsync("yes");
                await Expect(copies).ToContainTextAsync("How many copies are kept");

                // 03:00 on January 1st in Berlin is 02:00 UTC (winter time), every year.
                var triggers = page.GetByTestId("workflow-triggers");
                var schedule = triggers.GetByTestId("schedule-new-year");
                await Expect(schedule).ToContainTextAsync("0 3 1 1 *");
                await Expect(schedule).ToContainTextAsync("Europe/Berlin");
                var next = (await schedule.GetByTestId("schedule-next").TextContentAsync())!;
                var fires = Regex.Matches(next, @"(\d{4})-01-01 02:00:00 UTC").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.True(fires.Count >= 2, $"expected the next fires, read: {next}");
                Assert.Equal(Enumerable.Range(fires[0], fires.Count), fires);
                Assert.InRange(fires[0], DateTime.UtcNow.Year, DateTime.UtcNow.Year + 1);
                await Expect(triggers.GetByTestId($"webhook-{name}").GetByTestId("webhook-url")).ToHaveTextAsync($"POST {portal.BaseUrl.ToString().TrimEnd('/')}/hooks/{name}");
                await Expect(triggers.GetByTestId($"webhook-{name}")).ToContainTextAsync("no secret configured");

                // A broken edit: the previous version stays active, and its own page says where the file is wrong.
                await File.WriteAllTextAsync(file, good.Replace("uses: core.delay", "uses: core.no-such-action", StringComparison.Ordinal));
                await WaitForAsync(page, "api/workflows/errors", found: true, name);
                await page.GotoPortalAsync($"workflows/{name}");
                var errors = page.GetByTestId("workflow-load-errors");
                await Expect(errors).ToContainTextAsync("1 definition file(s) failed to load.");
                await Expect(errors.GetByTestId("workflow-load-error")).ToHaveCountAsync(1);
                await Expect(errors.GetByTestId("workflow-load-error").Locator("code")).ToHaveTextAsync($"{name}.yaml:11:11");
                await Expect(errors.GetByTestId("workflow-load-error")).ToContainTextAsync("core.no-such-action");
                await Expect(page.GetByTestId("workflow-description")).ToHaveTextAsync("Copies a bucket to the region chosen, for the browser test");

                // The workflows list names the file the same way, not by a path from the server's working directory.
                await page.GotoPortalAsync("workflows");
                await Expect(page.GetByTestId("definition-error-link").Filter(new() { HasText = name })).ToHaveTextAsync($"{name}.yaml:11:11");
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task WaitForAsync(IPage page, string path, bool found, string? text = null)
    {
        // The server notices the folder's change by itself, a moment later; an upper bound, not a pace.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await page.APIRequest.GetAsync(path);
            var body = await response.TextAsync();
            if ((response.Ok && (text is null || body.Contains(text, StringComparison.Ordinal))) == found)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the server did not load the change within 60 s: {path} answers {response.Status} {body}");
            await Task.Delay(250);
        }
    }
}
