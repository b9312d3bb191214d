using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Triggers;

/// <summary>An operator opens a webhook's delivery: its headers with the credentials masked, its payload, its delivery id (issue 16, part 7).</summary>
[Collection(PortalCollection.Name)]
public sealed class WebhooksTests(PortalFixture portal)
{
    [BrowserFact]
    public Task Delivery_OpensWithItsHeadersMasked_ItsPayload_AndTheSendersDeliveryId() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        // A signed delivery as a CI job sends it (the generic signature: HMAC-SHA256 of "<timestamp>.<body>").
        var deliveryId = "ci-" + Guid.NewGuid().ToString("N")[..12];
        var note = "note-" + Guid.NewGuid().ToString("N")[..8];
        var bearer = "bearer-" + Guid.NewGuid().ToString("N");
        var body = $$"""{"note":"{{note}}","ref":"refs/heads/main"}""";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(portal.WebhookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        var response = await page.APIRequest.PostAsync("hooks/test-webhook", new()
        {
            Headers = new Dictionary<string, string>
            {
                ["Content-Type"] = "application/json",
                ["X-Timestamp"] = timestamp,
                ["X-Signature"] = "sha256=" + signature,
                ["X-Delivery-Id"] = deliveryId,
                ["Authorization"] = "Bearer " + bearer,
            },
            DataString = body,
        });
        Assert.True(response.Status is 200 or 202, $"the delivery was answered {response.Status}: {await response.TextAsync()}");

        await page.GotoPortalAsync("webhooks");
        var hook = page.GetByTestId("hook-test-webhook");
        await Expect(hook.GetByTestId("no-secret")).ToHaveCountAsync(0);
        // A hook without a secret says how to set one.
        await Expect(page.GetByTestId("hook-ci-rollout").GetByTestId("no-secret-help")).ToContainTextAsync("Webhooks:Secrets:ci-rollout");

        await hook.GetByTestId("show-deliveries").ClickAsync();
        var row = page.GetByTestId("deliveries-table").Locator("tr", new() { Has = page.GetByTestId("delivery-id").Filter(new() { HasText = deliveryId }) });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("delivery-id")).ToHaveAttributeAsync("title", "From X-Delivery-Id");
        await row.GetByTestId("open-delivery").ClickAsync();

        var view = page.GetByTestId("delivery-view");
        await Expect(view).ToContainTextAsync(deliveryId);
        await Expect(view.GetByTestId("header-x-signature").Locator("td")).ToHaveTextAsync("***");
        await Expect(view.GetByTestId("header-authorization").Locator("td")).ToHaveTextAsync("***");
        await Expect(view.GetByTestId("header-x-delivery-id").Locator("td")).ToHaveTextAsync(deliveryId);
        await Expect(view.GetByTestId("header-x-timestamp").Locator("td")).ToHaveTextAsync(timestamp);
        await Expect(view.GetByTestId("delivery-payload")).ToContainTextAsync(note);

        var html = await page.ContentAsync();
        Assert.DoesNotContain(signature, html, StringComparison.Ordinal);
        Assert.DoesNotContain(bearer, html, StringComparison.Ordinal);
        Assert.DoesNotContain(portal.WebhookSecret, html, StringComparison.Ordinal);
    });
}
