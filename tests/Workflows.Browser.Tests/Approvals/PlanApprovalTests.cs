using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Approvals;

/// <summary>
/// A workflow with <c>plan: required</c> (README "plan: required") on the sandbox: an operator starts it, the run waits for
/// an approval of its plan, and another user reads the stored plan in the Approvals inbox's dialog and approves it.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PlanApprovalTests(PortalFixture portal)
{
    // An upper bound for a run to finish on the sandbox (a server stays in BUILD for 3 s), not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public async Task PlanRequired_RunWaitsForItsPlansApproval_TheDialogShowsThePlan_AndApprovingRunsTheSteps()
    {
        var id = Guid.Empty;
        var name = "plan-" + Guid.NewGuid().ToString("N")[..8];
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            await page.GotoPortalAsync("workflows/test-plan-approval/run");
            await Expect(page.GetByTestId("plan-required")).ToBeVisibleAsync();
            await page.GotoPortalAsync("");
            id = await page.StartRunAsync("test-plan-approval", new Dictionary<string, string> { ["name"] = name });

            // Nothing runs before the plan is approved.
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "WaitingForApproval", Finished);
            await Expect(page.RunStatus()).ToHaveTextAsync("Waiting for approval");
            await Expect(page.GetByTestId("step-plan-approval")).ToHaveAttributeAsync("data-status", "Waiting");
            await Expect(page.GetByTestId("step-server")).ToHaveAttributeAsync("data-status", "Pending");
            await Expect(page.GetByTestId("step-ip")).ToHaveAttributeAsync("data-status", "Pending");
        });

        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            await page.GotoPortalAsync("approvals");
            await Expect(page.GetByTestId($"approval-plan-{id}")).ToHaveTextAsync("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings");
            await PortalFixture.ScreenshotAsync(page, "approvals.png");

            await page.GetByTestId($"inbox-approve-{id}").ClickAsync();
            var dialog = page.GetByTestId("decision-dialog");
            await Expect(dialog.GetByTestId("decision-plan-heading")).ToContainTextAsync("The plan this run was started with");
            await Expect(dialog.GetByTestId("plan-summary")).ToHaveTextAsync("Plan: 2 to create, 0 to adopt, 0 to change, 0 to destroy; 0 errors, 0 warnings");

            // The objects it will create and the checks that passed when it was planned, one row per step in DAG order.
            var rows = dialog.GetByTestId("plan-row");
            // The approval of the plan comes first: every step without needs: needs it.
            await Expect(rows).ToHaveCountAsync(3);
            Assert.Equal(["plan-approval", "server", "ip"], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.step)"));
            var server = dialog.Locator("[data-testid=plan-row][data-step=server]");
            await Expect(server.GetByTestId("plan-action")).ToHaveTextAsync("create");
            await Expect(server.GetByTestId("plan-resource")).ToHaveTextAsync($"+ nova.server \"{name}\"");
            await Expect(server.Locator("[data-testid=plan-check][data-outcome=Passed]").Filter(new() { HasText = "flavor: m1.tiny" })).ToHaveCountAsync(1);
            await Expect(server.Locator("[data-testid=plan-check][data-outcome=Passed]").Filter(new() { HasText = "name: no server is named" })).ToHaveCountAsync(1);
            await Expect(server.Locator("[data-testid=plan-check][data-outcome=Failed]")).ToHaveCountAsync(0);
            var ip = dialog.Locator("[data-testid=plan-row][data-step=ip]");
            await Expect(ip.GetByTestId("plan-resource")).ToContainTextAsync("+ neutron.floatingip");
            await Expect(ip.Locator("[data-testid=plan-check][data-outcome=Passed]").Filter(new() { HasText = "network: public" })).ToHaveCountAsync(1);
            await Expect(dialog.GetByTestId("plan-problem")).ToHaveCountAsync(0);
            await PortalFixture.ScreenshotAsync(page, "approval-plan.png");

            // The dialog's buttons are outside its content (MudDialog's actions).
            await page.GetByTestId("decision-comment").FillAsync("The plan creates what we asked for");
            await page.GetByTestId("decision-confirm").ClickAsync();
            await Expect(page.GetByTestId("decision-confirm")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToHaveCountAsync(0);

            await page.GotoPortalAsync($"runs/{id}");
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
            await Expect(page.GetByTestId("step-plan-approval")).ToHaveAttributeAsync("data-status", "Succeeded");
            await Expect(page.GetByTestId("step-server")).ToHaveAttributeAsync("data-status", "Succeeded");
            await Expect(page.GetByTestId("step-ip")).ToHaveAttributeAsync("data-status", "Succeeded");
            await Expect(page.GetByTestId("run-input-name")).ToContainTextAsync(name);
        });
    }
}
