using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Approvals;

/// <summary>
/// A shipped workflow's approval: <c>rollout-app</c>'s production gate (off by default), turned on in the start form.
/// Its approvers are the admin role and the group platform-admins: an operator outside them sees a disabled Approve
/// that says why, and an admin approves. The run names a Docker endpoint on loopback where nothing listens, so
/// what follows the gate fails to reach an engine; the gate's decision is what this test reads.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ProductionGateTests(PortalFixture portal)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public async Task RolloutApp_WithItsProductionGateOn_WaitsForAnAllowedApprover_AndAnAdminApprovesIt()
    {
        var id = Guid.Empty;
        var service = "gate-" + Guid.NewGuid().ToString("N")[..8];
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            await page.GotoPortalAsync("workflows/rollout-app/run");
            await page.Input("service").FillAsync(service);
            await page.Input("image").FillAsync("registry.example.com/team/app");
            await page.Input("tag").FillAsync("1.2.3");
            await page.Input("dockerHost").FillAsync("tcp://127.0.0.1:1");
            var gate = page.GetByRole(AriaRole.Switch, new() { Name = "productionGate", Exact = true });
            await Expect(gate).Not.ToBeCheckedAsync(); // off by default
            await gate.CheckAsync();
            await page.GetByTestId("submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
            id = Guid.Parse(page.Url[^36..]);

            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "WaitingForApproval", Finished);
            // Nothing is pulled before the decision: the image step has not been scheduled.
            await Expect(page.GetByTestId("step-image")).Not.ToHaveAttributeAsync("data-status", new Regex("^(Scheduled|Running|Waiting|Succeeded|Failed)$"));

            // The operator who started it is not among the approvers at all: that is the reason given, before self-approval.
            await page.GotoPortalAsync("approvals");
            await Expect(page.GetByTestId("approval-message").Filter(new() { HasText = service }))
                .ToHaveTextAsync($"Roll out registry.example.com/team/app:1.2.3 to Swarm service {service} (3 replicas, 1 at a time)?");
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToBeDisabledAsync();
            await Expect(page.GetByTestId($"inbox-why-{id}")).ToHaveTextAsync("Approvers are role admin or group platform-admins; op is none of them.");
        });

        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            await page.GotoPortalAsync("approvals");
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToBeEnabledAsync();
            await page.GetByTestId($"inbox-approve-{id}").ClickAsync();
            await Expect(page.GetByTestId("decision-message")).ToContainTextAsync(service);
            await Expect(page.GetByTestId("decision-policy")).ToContainTextAsync("Approvers are role admin or group platform-admins");
            await page.GetByTestId("decision-comment").FillAsync("Production gate approved in the browser");
            await page.GetByTestId("decision-confirm").ClickAsync();
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToHaveCountAsync(0);

            await page.GotoPortalAsync($"runs/{id}");
            await Expect(page.GetByTestId("step-production-gate")).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
            await Expect(page.GetByTestId("step-image")).ToHaveAttributeAsync("data-status", new Regex("^(Scheduled|Running|Waiting|Failed)$"), Finished);
        });
    }
}
