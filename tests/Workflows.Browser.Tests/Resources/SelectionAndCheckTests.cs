using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using Workflows.OpenStack.Sandbox;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Resources;

/// <summary>
/// An operator checks the resource ledger against the cloud and deletes several orphans at once from the Resources page
/// (issue 16, part 8).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class SelectionAndCheckTests(PortalFixture portal)
{
    // An upper bound for a run to get somewhere on the sandbox, not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public Task CheckAgainstTheCloud_FindsTheOrphansStillThere_AndDeleteASelection_CleansThemUpInOneRun() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var names = new[] { "sel-a-" + Guid.NewGuid().ToString("N")[..8], "sel-b-" + Guid.NewGuid().ToString("N")[..8] };
        foreach (var name in names)
        {
            await OrphanAsync(page, name);
        }

        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        var rows = names.Select(n => page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = n })).ToList();
        foreach (var row in rows)
        {
            await Expect(row).ToHaveCountAsync(1);
        }

        // Check against the cloud: the two servers are still in the sandbox, so they stay orphans, not deleted.
        await page.GetByTestId("check-cloud").ClickAsync();
        await Expect(page.GetByTestId("check-summary")).ToHaveTextAsync(CheckSummary(), new() { Timeout = 60_000 });
        var summary = CheckSummary().Match(await page.GetByTestId("check-summary").InnerTextAsync());
        Assert.True(int.Parse(summary.Groups["present"].Value, System.Globalization.CultureInfo.InvariantCulture) >= names.Length, "the check did not find both orphans present: " + summary.Value);
        await Expect(page.GetByTestId("check-cloud")).ToBeEnabledAsync();
        foreach (var row in rows)
        {
            await Expect(row).ToHaveAttributeAsync("data-deleted", "false");
        }

        // Delete a selection: both orphans, one confirmation listing both, one clean-up run with a step for each (named after the server).
        var ids = new List<string>();
        foreach (var row in rows)
        {
            var id = await row.GetAttributeAsync("data-external-id") ?? throw new InvalidOperationException("a resource row without its id");
            ids.Add(id);
            var box = row.GetByRole(AriaRole.Checkbox);
            await box.ClickAsync();
            await Expect(box).ToBeCheckedAsync();
        }

        await Expect(page.GetByTestId("resource-selected-count")).ToHaveTextAsync("2 selected");
        await page.GetByTestId("delete-selected").ClickAsync();
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("delete-confirm-list")).ToContainTextAsync(name);
        }

        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete 2", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("run-header")).ToContainTextAsync("resource-cleanup");
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        var steps = page.GetByTestId("run-timeline").Locator("[data-testid^=step-][data-compensation]");
        await Expect(steps).ToHaveCountAsync(2);
        await Expect(steps.Nth(0)).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(steps.Nth(1)).ToHaveAttributeAsync("data-status", "Succeeded");
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("run-timeline")).ToContainTextAsync(name);
        }

        // Both gone from the orphans, and shown deleted with the others.
        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        foreach (var name in names)
        {
            await Expect(page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = name })).ToHaveCountAsync(0);
        }

        await page.GetByTestId("filter-orphans").ClickAsync();
        await page.GetByTestId("filter-deleted").ClickAsync();
        foreach (var id in ids)
        {
            var deleted = page.Locator($"[data-testid=resource-row][data-external-id='{id}']");
            await Expect(deleted).ToHaveAttributeAsync("data-deleted", "true");
            await Expect(deleted).ToHaveAttributeAsync("data-deleted-reason", "Deleted");
            await Expect(deleted.GetByTestId("resource-deleted")).ToHaveTextAsync("Deleted");
        }
    });

    [BrowserFact]
    public Task CheckAgainstTheCloud_MarksAServerDeletedBehindThePortalsBack_AsGone_InTheListItsFilterTheRunsAuditAndItsLedger() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "gone-" + Guid.NewGuid().ToString("N")[..8];
        await OrphanAsync(page, name);
        var runId = RunId().Match(page.Url).Groups["id"].Value;
        await page.GotoPortalAsync("resources");
        await page.GetByTestId("filter-orphans").ClickAsync();
        var orphan = page.GetByTestId("resource-row").Filter(new LocatorFilterOptions { HasText = name });
        await Expect(orphan).ToHaveCountAsync(1);
        await Expect(orphan).ToHaveAttributeAsync("data-deleted", "false");
        var serverId = await orphan.GetAttributeAsync("data-external-id") ?? throw new InvalidOperationException("a resource row without its id");

        // Behind the portal's back: the OpenStack client deletes the server in the fixture's sandbox, and it is gone there.
        await OpenStackAsync("server", "delete", "--wait", serverId);
        var left = await OpenStackAsync("server", "list", "--name", name, "-f", "value", "-c", "ID");
        Assert.DoesNotContain(serverId, left, StringComparison.Ordinal);

        // Check against the cloud: the server is found gone and marked gone, so it is no orphan any more.
        await page.GetByTestId("check-cloud").ClickAsync();
        await Expect(page.GetByTestId("check-summary")).ToHaveTextAsync(CheckSummary(), new() { Timeout = 60_000 });
        var summary = CheckSummary().Match(await page.GetByTestId("check-summary").InnerTextAsync());
        Assert.True(int.Parse(summary.Groups["gone"].Value, CultureInfo.InvariantCulture) >= 1, "the check found nothing gone: " + summary.Value);
        await Expect(page.GetByTestId("check-result")).ToContainTextAsync("the gone ones are now marked gone");
        await Expect(orphan).ToHaveCountAsync(0);

        // With the deleted ones: a "Gone" chip (not "Deleted"), with the time of the check; its tooltip says when and who.
        await page.GetByTestId("filter-orphans").ClickAsync();
        await page.GetByTestId("filter-deleted").ClickAsync();
        var row = page.Locator($"[data-testid=resource-row][data-external-id='{serverId}']");
        await Expect(row).ToHaveAttributeAsync("data-deleted", "true");
        await Expect(row).ToHaveAttributeAsync("data-deleted-reason", "Gone");
        var chip = row.GetByTestId("resource-gone");
        await Expect(chip).ToHaveTextAsync("Gone");
        await Expect(row.GetByTestId("resource-deleted")).ToHaveCountAsync(0);
        var checkedAt = await row.GetByTestId("resource-deleted-at").InnerTextAsync();
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$", checkedAt);
        await chip.HoverAsync();
        var tooltip = page.Locator(".mud-tooltip").Filter(new() { HasText = "found it missing" });
        await Expect(tooltip).ToBeVisibleAsync();
        await Expect(tooltip).ToHaveTextAsync($"Gone: a check against the cloud found it missing at {checkedAt}, run by {PortalFixture.Operator}. No run of ours deleted it.");

        // "Gone only" lists it, and only rows a check found gone.
        await page.GetByTestId("filter-deleted").ClickAsync();
        await page.GetByTestId("filter-gone").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-deleted-reason", "Gone");
        await Expect(page.Locator("[data-testid=resource-row]:not([data-deleted-reason=Gone])")).ToHaveCountAsync(0);

        // The run that created it: its audit says the check found it gone, its ledger shows it deleted.
        await page.GotoPortalAsync($"runs/{runId}");
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Audit" }).ClickAsync();
        var gone = page.Locator("[data-testid=audit-event][data-kind='resource.gone']");
        await Expect(gone).ToHaveCountAsync(1);
        await Expect(gone).ToContainTextAsync($"{name} ({serverId})");
        await Expect(gone).ToContainTextAsync("no longer exists there; marked gone by a check against the cloud");
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Resources" }).ClickAsync();
        var own = page.Locator($"[data-testid=resource-row][data-external-id='{serverId}']");
        await Expect(own).ToHaveAttributeAsync("data-deleted", "true");
        await Expect(own.GetByTestId("resource-gone")).ToHaveTextAsync("Gone");
    });

    /// <summary>
    /// Runs the OpenStack client (python3-openstackclient) against the fixture server's sandbox, found in the server's log,
    /// with a clouds.yaml of its own (the sandbox's admin, whose password the fixture leaves at its default).
    /// </summary>
    private async Task<string> OpenStackAsync(params string[] arguments)
    {
        var log = await ReadSharedAsync(portal.ServerLogFile);
        var url = SandboxUrl().Match(log) is { Success: true } m ? m.Groups["url"].Value
            : throw new InvalidOperationException($"The server's log ({portal.ServerLogFile}) does not say where its OpenStack sandbox listens.");
        var sandbox = new SandboxOptions();
        var config = Path.Combine(Path.GetTempPath(), $"wf-clouds-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"""
            clouds:
              sandbox:
                auth:
                  auth_url: {url}/identity/v3
                  username: admin
                  password: {sandbox.AdminPassword}
                  project_name: admin
                  user_domain_name: Default
                  project_domain_name: Default
                region_name: {sandbox.Region}
                interface: public
                identity_api_version: 3
            """);
        try
        {
            var start = new ProcessStartInfo("openstack") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("--os-cloud");
            start.ArgumentList.Add("sandbox");
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // Only this clouds.yaml: no OS_* of the machine running the tests.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }

            start.Environment["OS_CLIENT_CONFIG_FILE"] = config;
            using var process = Process.Start(start) ?? throw new InvalidOperationException("openstack did not start");
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
            var stderr = process.StandardError.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token);
            Assert.True(process.ExitCode == 0, $"openstack {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Starts <c>test-orphan</c> (Scenarios/test-orphan.yaml), which boots a server, and cancels it while it waits: the server is left behind.</summary>
    private static async Task OrphanAsync(IPage page, string name)
    {
        await page.GotoPortalAsync("workflows");
        await page.StartRunAsync("test-orphan", new Dictionary<string, string> { ["name"] = name });
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Waiting", Finished);
        await page.GetByTestId("cancel-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel run", Exact = true }).ClickAsync();
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Cancelled", Finished);
    }

    [GeneratedRegex(@"^(?<present>\d+) present, (?<gone>\d+) gone, (?<unknown>\d+) unknown$")]
    private static partial Regex CheckSummary();

    [GeneratedRegex(@"/runs/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex RunId();

    [GeneratedRegex(@"OpenStack sandbox .*?listening on (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex SandboxUrl();
}
