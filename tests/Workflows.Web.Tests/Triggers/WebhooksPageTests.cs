using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Web.Components.Triggers;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Triggers;

/// <summary>The webhooks page: the no-secret chip that says how to set one, the delivery id column, and one delivery opened.</summary>
public sealed class WebhooksPageTests : PortalTestContext
{
    private readonly FakeTriggerPortal portal = new();

    public WebhooksPageTests()
    {
        Services.AddSingleton<ITriggerPortal>(portal);
        portal.Hooks.Add(new PortalHook("github-main", "/hooks/github-main", "deploy", "github", "configuration", true, null, []));
        portal.Hooks.Add(new PortalHook("from-file", "/hooks/from-file", "deploy", "auto", "workflows/deploy.yaml", false, null, []));
        var delivery = new PortalDelivery("d1", TestData.T0, "accepted", 202, "run started", "push", "gh-42", Guid.NewGuid(), null, true)
        {
            DeliveryId = "gh-42",
            DeliveryIdSource = "X-GitHub-Delivery",
            BodySize = 27,
        };
        portal.Deliveries.Add(new PortalDeliveryDetail(
            delivery,
            [KeyValuePair.Create("Authorization", "***"), KeyValuePair.Create("X-GitHub-Delivery", "gh-42"), KeyValuePair.Create("X-Hub-Signature-256", "***")],
            """{"ref":"refs/heads/main","n":1}"""));
    }

    [Fact]
    public void Render_ShowsNoSecretChip_ThatNamesTheConfigurationKey()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=hook-github-main] [data-testid=no-secret]"));
        var row = cut.Find("[data-testid=hook-from-file]");
        Assert.NotNull(row.QuerySelector("[data-testid=no-secret]"));
        Assert.Contains("Webhooks:Secrets:from-file", row.QuerySelector("[data-testid=no-secret-help]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDelivery_ShowsTheSendersDeliveryId_MaskedHeaders_AndThePayloadPrettyPrinted()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();

        await cut.Find("[data-testid=hook-github-main] [data-testid=show-deliveries]").ClickAsync(new());
        Assert.Equal("gh-42", cut.Find("[data-testid=delivery-d1] [data-testid=delivery-id]").TextContent.Trim());
        Assert.Equal("From X-GitHub-Delivery", cut.Find("[data-testid=delivery-d1] [data-testid=delivery-id]").GetAttribute("title"));
        await cut.Find("[data-testid=delivery-d1] [data-testid=open-delivery]").ClickAsync(new());

        var view = cut.Find("[data-testid=delivery-view]");
        Assert.Equal("***", view.QuerySelector("[data-testid=header-authorization] td")!.TextContent);
        Assert.Equal("***", view.QuerySelector("[data-testid=header-x-hub-signature-256] td")!.TextContent);
        Assert.Equal("gh-42", view.QuerySelector("[data-testid=header-x-github-delivery] td")!.TextContent);
        Assert.Equal("{\n  \"ref\": \"refs/heads/main\",\n  \"n\": 1\n}", view.QuerySelector("[data-testid=delivery-payload]")!.TextContent.ReplaceLineEndings("\n"));
        Assert.Empty(cut.FindAll("[data-testid=delivery-truncated]"));

        await cut.Find("[data-testid=close-delivery]").ClickAsync(new());
        Assert.Empty(cut.FindAll("[data-testid=delivery-view]"));
    }

    [Fact]
    public void DeliveryView_CutsABigPayload_WithANote()
    {
        var big = new JsonObject { ["blob"] = new string('x', DeliveryView.MaxShown + 10) }.ToJsonString();
        var detail = portal.Deliveries[0] with { Body = big };

        var cut = Render<DeliveryView>(p => p.Add(v => v.Detail, detail));

        Assert.Contains("Showing the first 64 KiB", cut.Find("[data-testid=delivery-truncated]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("[data-testid=delivery-payload]").TextContent.Length <= DeliveryView.MaxShown + 2);
    }

    [Fact]
    public void DeliveryView_SaysThePayloadWasNotKept_ForARefusedDelivery()
    {
        var cut = Render<DeliveryView>(p => p.Add(v => v.Detail, portal.Deliveries[0] with { Body = null }));

        Assert.NotNull(cut.Find("[data-testid=delivery-no-body]"));
    }

    private IRenderedComponent<WebhooksPage> RenderPage()
    {
        RenderPopovers();
        return Render<WebhooksPage>();
    }
}
