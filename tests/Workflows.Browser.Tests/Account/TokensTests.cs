using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>API tokens in Chromium: the role and expiry chosen on create, the last use in the list, an expired token refused.</summary>
[Collection(PortalCollection.Name)]
public sealed class TokensTests(PortalFixture portal)
{
    [BrowserFact]
    public Task Token_GetsTheRoleAndExpiryChosen_ShowsItsLastUse_AndIsRefusedOnceExpired() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var name = "ro-" + Guid.NewGuid().ToString("N")[..8];
        await page.GotoPortalAsync("tokens");
        await page.GetByTestId("token-name").FillAsync(name);
        await page.GetByTestId("token-role").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "admin", Exact = true })).ToHaveCountAsync(0); // at most the operator's own role
        await page.GetByRole(AriaRole.Option, new() { Name = "viewer", Exact = true }).ClickAsync();
        await page.GetByTestId("token-expiry").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "in 7 days", Exact = true }).ClickAsync();
        var before = DateTimeOffset.UtcNow;
        await page.GetByTestId("token-create").ClickAsync();
        var token = (await page.GetByTestId("token-value").TextContentAsync())!.Trim();

        var row = page.Locator("tr", new() { Has = page.GetByText(name, new() { Exact = true }) });
        var cells = row.Locator("td");
        await Expect(cells.Nth(1)).ToHaveTextAsync("viewer");
        var expires = DateTimeOffset.ParseExact((await row.Locator("td[data-label='Expires']").TextContentAsync())!.Trim(), "yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(expires, before.AddDays(7).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7).AddMinutes(1));
        await Expect(row.Locator("td[data-label='Last used']")).ToHaveTextAsync("never");

        // Used against the API with the role it was given: it reads, it may not start a run.
        var headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" };
        var me = await page.APIRequest.GetAsync("api/me", new() { Headers = headers });
        Assert.Equal(200, me.Status);
        Assert.Contains("viewer", await me.TextAsync(), StringComparison.Ordinal);
        var start = await page.APIRequest.PostAsync("api/workflows/test-approval/runs", new() { Headers = headers, DataObject = new { inputs = new { } } });
        Assert.Equal(403, start.Status);

        await page.GotoPortalAsync("tokens");
        await Expect(row.Locator("td[data-label='Last used']")).ToHaveTextAsync(new Regex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$"));

        // Seven days pass: its expiry is moved into the past in the server's database.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(portal.DataDirectory, "workflows.db")}"))
        {
            await db.OpenAsync();
            await using var expire = db.CreateCommand();
            expire.CommandText = "UPDATE wf_api_tokens SET expires_at = $at WHERE name = $name";
            expire.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds());
            expire.Parameters.AddWithValue("$name", name);
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        Assert.Equal(401, (await page.APIRequest.GetAsync("api/me", new() { Headers = headers })).Status);
        await page.GotoPortalAsync("tokens");
        await Expect(row.Locator("td[data-label='Expires']")).ToContainTextAsync("expired");
    });
}
