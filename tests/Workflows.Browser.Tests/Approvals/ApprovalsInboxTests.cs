using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Approvals;

/// <summary>The approvals inbox: the starter is refused and told why; another user approves from it.</summary>
[Collection(PortalCollection.Name)]
public sealed class ApprovalsInboxTests(PortalFixture portal)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    [BrowserFact]
    public async Task Inbox_RefusesTheStarter_SayingWhy_AndASecondUserApprovesFromIt()
    {
        var id = Guid.Empty;
        await portal.RunAsync(PortalFixture.Operator, async page =>
        {
            id = await page.StartRunAsync("test-approval-gate");
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "WaitingForApproval", Finished);
            await Expect(page.RunStatus()).ToHaveTextAsync("Waiting for approval");

            await page.GotoPortalAsync("approvals");
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToBeDisabledAsync();
            await Expect(page.GetByTestId($"inbox-why-{id}")).ToHaveTextAsync("You started this run; self-approval is not allowed.");
            await Expect(page.GetByTestId("approvals-badge")).ToBeVisibleAsync();
        });

        await portal.RunAsync(PortalFixture.Admin, async page =>
        {
            await page.GotoPortalAsync("approvals");
            await page.GetByTestId($"inbox-approve-{id}").ClickAsync();
            await Expect(page.GetByTestId("decision-message")).ToHaveTextAsync("Ship it?");
            await Expect(page.GetByTestId("decision-policy")).ToContainTextAsync("the run's starter may not approve it");
            await page.GetByTestId("decision-comment").FillAsync("Approved from the inbox");
            await page.GetByTestId("decision-confirm").ClickAsync();
            await Expect(page.GetByTestId($"inbox-approve-{id}")).ToHaveCountAsync(0);

            await page.GotoPortalAsync($"runs/{id}");
            await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        });
    }
}
