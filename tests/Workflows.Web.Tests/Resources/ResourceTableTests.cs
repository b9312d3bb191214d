using Bunit;
using MudBlazor;
using Workflows.Abstractions.Actions;
using Workflows.Web.Components.Resources;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Resources;

/// <summary>
/// The ledger's table tells why an entry left the ledger: a "Deleted" chip when a run deleted it, a distinct "Gone" chip
/// when a check against the cloud found it missing, whose tooltip says when and who ran the check (issue 16, part 8).
/// </summary>
public sealed class ResourceTableTests : PortalTestContext
{
    private static readonly DateTimeOffset CheckedAt = TestData.T0.AddHours(2);

    [Fact]
    public void Render_ShowsAGoneChip_WithWhenAndWhoInItsTooltip_WhenACheckFoundTheResourceMissing()
    {
        var popovers = RenderPopovers();
        var cut = Render<ResourceTable>(p => p.Add(t => t.Resources, [Entry("srv-gone", CheckedAt, ResourceDeletedReason.Gone, "olga")]));

        var row = cut.Find("[data-testid=resource-row]");
        Assert.Equal(("true", "Gone"), (row.GetAttribute("data-deleted"), row.GetAttribute("data-deleted-reason")));
        Assert.Equal("Gone", row.QuerySelector("[data-testid=resource-gone]")!.TextContent.Trim());
        Assert.Null(row.QuerySelector("[data-testid=resource-deleted]"));
        Assert.Equal("2026-01-02 05:04:05 UTC", row.QuerySelector("[data-testid=resource-deleted-at]")!.TextContent);

        Hover(cut);

        popovers.WaitForAssertion(() => Assert.Equal(
            "Gone: a check against the cloud found it missing at 2026-01-02 05:04:05 UTC, run by olga. No run of ours deleted it.",
            popovers.Find(".mud-tooltip").TextContent.Trim()));
    }

    [Fact]
    public void Render_ShowsADeletedChip_NotGone_WhenARunDeletedTheResource_AndNoChipWhileItIsLive()
    {
        var popovers = RenderPopovers();
        var cut = Render<ResourceTable>(p => p.Add(t => t.Resources, [Entry("srv-deleted", CheckedAt, ResourceDeletedReason.Deleted, null), Entry("srv-live", null, null, null)]));

        var deleted = cut.Find("[data-testid=resource-row][data-external-id=srv-deleted]");
        Assert.Equal("Deleted", deleted.QuerySelector("[data-testid=resource-deleted]")!.TextContent.Trim());
        Assert.Null(deleted.QuerySelector("[data-testid=resource-gone]"));
        var live = cut.Find("[data-testid=resource-row][data-external-id=srv-live]");
        Assert.Equal("false", live.GetAttribute("data-deleted"));
        Assert.Empty(live.QuerySelectorAll("[data-testid=resource-gone], [data-testid=resource-deleted]"));

        Hover(cut);

        popovers.WaitForAssertion(() => Assert.Equal(
            "Deleted by a run (its step, its compensation or a clean-up run) at 2026-01-02 05:04:05 UTC.",
            popovers.Find(".mud-tooltip").TextContent.Trim()));
    }

    [Fact]
    public void DeletedHelp_LeavesOutWhoRanTheCheck_WhenItIsUnknown()
    {
        Assert.Equal(
            "Gone: a check against the cloud found it missing at 2026-01-02 05:04:05 UTC. No run of ours deleted it.",
            ResourceTable.DeletedHelp(Entry("old", CheckedAt, ResourceDeletedReason.Gone, null)));
    }

    private static void Hover(IRenderedComponent<ResourceTable> cut) =>
        cut.Find(".mud-tooltip-root").PointerEnter(new Microsoft.AspNetCore.Components.Web.PointerEventArgs());

    private static ResourceEntry Entry(string id, DateTimeOffset? deletedAt, ResourceDeletedReason? reason, string? by) =>
        new(Guid.NewGuid(), "server", "nova.server", id, id, "sandbox", new Dictionary<string, string>(), TestData.T0, deletedAt, reason, by);
}
