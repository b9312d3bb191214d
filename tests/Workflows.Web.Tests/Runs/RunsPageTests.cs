using System.Globalization;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunsPageTests : PortalTestContext
{
    public RunsPageTests()
    {
        SignIn("alice", "viewer");
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));
        foreach (var (actor, status) in new[] { ("alice", RunStatus.Succeeded), ("bob", RunStatus.Failed) })
        {
            var id = Guid.NewGuid();
            Queries.Runs[id] = new RunDetail(TestData.Summary(id, "boot-vm", status, actor), new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(), []);
        }
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    [Fact]
    public void Address_SetsEveryFilterAndThePage()
    {
        Navigation.NavigateTo("runs?q=bob&status=failed&workflow=boot-vm&trigger=Portal&from=2026-01-01&to=2026-01-31&page=2");
        RenderPopovers();

        Render<RunsPage>();

        var filter = Queries.ListCalls[^1];
        Assert.Equal("bob", filter.Query);
        Assert.Equal([RunStatus.Failed], filter.Statuses);
        Assert.Equal("boot-vm", filter.Workflow);
        Assert.Equal(TriggerKind.Portal, filter.TriggerKind);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), filter.From);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), filter.To);
        Assert.Equal(2, filter.Page);
    }

    [Theory]
    [InlineData("en-US")]
    [InlineData("de-DE")]
    [InlineData("")]
    public void CreatedRange_ShowsIsoDays_WhateverTheCulture(string culture)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            Navigation.NavigateTo("runs?from=2026-01-05&to=2026-01-31");
            var popovers = RenderPopovers();
            var cut = Render<RunsPage>();

            var days = cut.FindAll("input[data-testid=filter-range]").Select(i => i.GetAttribute("value")).ToList();
            Assert.Equal(["2026-01-05", "2026-01-31"], days);

            // The open calendar: weeks from Monday, the chosen range in its title as ISO days, no AM/PM anywhere.
            cut.Find("input[data-testid=filter-range]").Click();
            popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-picker-calendar-header-day")));
            Assert.Equal("Mon", popovers.FindAll(".mud-picker-calendar-header-day .mud-day-label")[0].TextContent.Trim());
            var title = popovers.Find(".mud-picker-toolbar").TextContent;
            Assert.Contains("2026-01-05", title, StringComparison.Ordinal);
            Assert.Contains("2026-01-31", title, StringComparison.Ordinal);
            Assert.DoesNotContain("/", title, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"\b(AM|PM)\b", popovers.Markup);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public void Search_PutsTheQueryInTheAddress_AndListsOnlyMatches()
    {
        Navigation.NavigateTo("runs");
        RenderPopovers();
        var cut = Render<RunsPage>();

        var search = cut.Find("input[data-testid=runs-search]");
        search.Input("bob");
        search.Blur();

        cut.WaitForAssertion(() => Assert.Contains("q=bob", Navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal("1 run(s)", cut.Find("[data-testid=runs-total]").TextContent));
        Assert.Equal("bob", Queries.ListCalls[^1].Query);
    }

    [Fact]
    public void Search_SaysWhatWasSearched_WhenNothingMatches()
    {
        Navigation.NavigateTo("runs?q=nothing-like-this");
        RenderPopovers();

        var cut = Render<RunsPage>();

        Assert.Contains("No run matches “nothing-like-this”", cut.Markup, StringComparison.Ordinal);
    }
}
