using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Resources;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Resources;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Resources;

/// <summary>The Resources page's clean-up: Delete per orphan and on a selection, with a confirmation listing what goes, only for operators.</summary>
public sealed class ResourcesPageTests : PortalTestContext
{
    private readonly FakeCleanup cleanup = new();
    private readonly FakeCheck check = new();
    private readonly ResourceEntry server = Entry("nova.server", "srv-1", "vm1");
    private readonly ResourceEntry ip = Entry("neutron.floatingip", "fip-1", "172.24.4.10");
    private readonly ResourceEntry template = Entry("magnum.clustertemplate", "tpl-1", "k8s-template");
    private IRenderedComponent<MudDialogProvider> dialogs = null!;

    public ResourcesPageTests()
    {
        Services.AddSingleton<IResourceCleanup>(cleanup);
        Services.AddSingleton<IResourceCheck>(check);
        Queries.Resources.AddRange([server, ip, template]);
    }

    [Fact]
    public void Render_ShowsNoCheckboxesNorDeleteButtons_WhenUserIsViewer()
    {
        SignIn("vera", "viewer");
        var cut = RenderPage();

        OrphansOnly(cut);

        Assert.Equal(3, cut.FindAll("[data-testid=resource-row]").Count);
        Assert.Empty(cut.FindAll("[data-testid^=delete-resource-]"));
        Assert.Empty(cut.FindAll("[data-testid^=select-resource-]"));
        Assert.Empty(cut.FindAll("[data-testid=orphans-hint]"));
        Assert.Empty(cut.FindAll("[data-testid=check-cloud]"));
    }

    [Fact]
    public async Task CheckAgainstTheCloud_ShowsTheSummary_AndWhyTheUnknownOnesAreUnknown_ThenReloadsTheLedger()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        check.Next = new ResourceCheckResult(
        [
            new(new ResourceKey("nova.server", "sandbox", "srv-1"), ResourcePresence.Present),
            new(new ResourceKey("neutron.floatingip", "sandbox", "fip-1"), ResourcePresence.Gone),
            new(new ResourceKey("magnum.clustertemplate", "elsewhere", "tpl-1"), ResourcePresence.Unknown, "OpenStackConfigurationException: cloud 'elsewhere' is not configured"),
        ]);
        Queries.Resources.Remove(ip);

        await cut.Find("[data-testid=check-cloud]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("1 present, 1 gone, 1 unknown", cut.Find("[data-testid=check-summary]").TextContent));
        Assert.Contains("cloud 'elsewhere' is not configured", cut.Find("[data-testid=check-result]").TextContent, StringComparison.Ordinal);
        Assert.Equal("olga", check.Actor);
        Assert.Equal(2, cut.FindAll("[data-testid=resource-row]").Count);
    }

    [Fact]
    public void GoneOnly_ReadsOnlyTheResourcesACheckFoundGone_AndShowsTheirChip()
    {
        SignIn("vera", "viewer");
        var gone = server with { ExternalId = "srv-gone", DeletedAt = TestData.T0.AddHours(1), DeletedReason = ResourceDeletedReason.Gone, DeletedBy = "olga" };
        Queries.Resources.Add(gone);
        var cut = RenderPage();
        Assert.Equal(4, cut.FindAll("[data-testid=resource-row]").Count);

        Box(cut, "filter-gone").Change(true);

        Assert.Equal(ResourceDeletedReason.Gone, Queries.ResourceFilters[^1].DeletedReason);
        var row = Assert.Single(cut.FindAll("[data-testid=resource-row]"));
        Assert.Equal("srv-gone", row.GetAttribute("data-external-id"));
        Assert.Equal("Gone", row.QuerySelector("[data-testid=resource-gone]")!.TextContent.Trim());
        Assert.True(Box(cut, "filter-deleted").HasAttribute("disabled"));

        Box(cut, "filter-gone").Change(false);

        Assert.Null(Queries.ResourceFilters[^1].DeletedReason);
        Assert.Equal(4, cut.FindAll("[data-testid=resource-row]").Count);
    }

    [Fact]
    public void Render_OffersDelete_OnlyOnOrphansOfDeletableKinds_WhenUserIsOperator()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        Assert.Empty(cut.FindAll("[data-testid^=delete-resource-]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=orphans-hint]"));

        OrphansOnly(cut);

        Assert.NotEmpty(cut.FindAll("[data-testid=delete-resource-srv-1]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=delete-resource-fip-1]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-resource-tpl-1]"));
    }

    [Fact]
    public async Task Delete_OfOneOrphan_AsksWithTheResourceListed_ThenStartsTheCleanup_AndOpensItsRun()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        OrphansOnly(cut);

        var clicked = cut.Find("[data-testid=delete-resource-srv-1]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 1 resource(s)?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("srv-1", dialogs.Find("[data-testid=delete-confirm-list]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cleanup.Requests);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 1").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(cleanup.Requests));
        Assert.Equal([new ResourceKey("nova.server", "sandbox", "srv-1")], cleanup.Requests[0].Keys);
        Assert.Equal("olga", cleanup.Requests[0].Actor);
        Assert.EndsWith($"/runs/{cleanup.RunId}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteSelected_SendsEverySelectedOrphan_AndKeepsThem_WhenTheConfirmationIsDeclined()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        OrphansOnly(cut);
        Box(cut, "select-resource-srv-1").Change(true);
        Box(cut, "select-resource-fip-1").Change(true);
        Assert.Equal("2 selected", cut.Find("[data-testid=resource-selected-count]").TextContent);

        var declined = cut.Find("[data-testid=delete-selected]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 2 resource(s)?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep them").Click();
        await declined;
        Assert.Empty(cleanup.Requests);

        var clicked = cut.Find("[data-testid=delete-selected]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 2 resource(s)?", dialogs.Markup, StringComparison.Ordinal));
        var listed = dialogs.Find("[data-testid=delete-confirm-list]").TextContent;
        Assert.Contains("srv-1", listed, StringComparison.Ordinal);
        Assert.Contains("fip-1", listed, StringComparison.Ordinal);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 2").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(cleanup.Requests));
        Assert.Equal(["fip-1", "srv-1"], cleanup.Requests[0].Keys.Select(k => k.ExternalId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_ShowsWhyNothingStarted_WhenTheCleanupIsRefused()
    {
        SignIn("olga", "operator");
        cleanup.Refuse = new Dictionary<string, string> { ["resources[0]"] = "nova.server srv-1 on sandbox is already deleted" };
        var cut = RenderPage();
        OrphansOnly(cut);

        var clicked = cut.Find("[data-testid=delete-resource-srv-1]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 1 resource(s)?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 1").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Contains("Nothing was started: nova.server srv-1 on sandbox is already deleted", cut.Find("[data-testid=cleanup-error]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("/runs/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    private static ResourceEntry Entry(string kind, string id, string name) =>
        new(Guid.NewGuid(), "step", kind, id, name, "sandbox", new Dictionary<string, string>(), TestData.T0, null);

    // MudCheckBox and MudSwitch put their attributes on the input or on an element around it, depending on the version.
    private static AngleSharp.Dom.IElement Box(IRenderedComponent<ResourcesPage> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    private static void OrphansOnly(IRenderedComponent<ResourcesPage> cut) => Box(cut, "filter-orphans").Change(true);

    private IRenderedComponent<ResourcesPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<ResourcesPage>();
    }

    private sealed class FakeCheck : IResourceCheck
    {
        public ResourceCheckResult Next { get; set; } = new([]);

        public string? Actor { get; private set; }

        public Task<ResourceCheckResult> CheckAsync(IReadOnlyList<ResourceKey>? resources, string actor, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
        {
            Actor = actor;
            progress?.Report((Next.Items.Count, Next.Items.Count));
            return Task.FromResult(Next);
        }
    }

    private sealed class FakeCleanup : IResourceCleanup
    {
        public Guid RunId { get; } = Guid.NewGuid();

        public List<(IReadOnlyList<ResourceKey> Keys, string Actor)> Requests { get; } = [];

        public IReadOnlyDictionary<string, string>? Refuse { get; set; }

        public IReadOnlySet<string> DeletableKinds { get; } = new HashSet<string> { "nova.server", "neutron.floatingip" };

        public Task<RunSummary> StartAsync(IReadOnlyList<ResourceKey> resources, string actor, TriggerKind trigger, CancellationToken cancellationToken = default)
        {
            if (Refuse is not null)
            {
                throw new ResourceCleanupRefusedException(Refuse);
            }

            Requests.Add((resources, actor));
            return Task.FromResult(TestData.Summary(RunId, "resource-cleanup", RunStatus.Running, actor));
        }
    }
}
