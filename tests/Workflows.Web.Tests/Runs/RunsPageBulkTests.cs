using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

/// <summary>The runs list's bulk operations: selection, "select all N matching", the confirmation that counts, the per-run results.</summary>
public sealed class RunsPageBulkTests : PortalTestContext
{
    private readonly FakeBulk bulk = new();
    private IRenderedComponent<MudDialogProvider> dialogs = null!;

    public RunsPageBulkTests()
    {
        Services.AddSingleton<IRunBulkCommands>(bulk);
        Services.Configure<PortalOptions>(o => o.RunsPageSize = 2);
        for (var i = 0; i < 3; i++)
        {
            var id = Guid.NewGuid();
            Queries.Runs[id] = new RunDetail(TestData.Summary(id, "boot-vm", RunStatus.Failed) with { CreatedAt = TestData.T0.AddMinutes(i) }, new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(), []);
        }
    }

    private IReadOnlyList<Guid> Newest => Queries.Runs.Values.Select(r => r.Run).OrderByDescending(r => r.CreatedAt).Select(r => r.Id).ToList();

    [Fact]
    public void Render_HidesTheCheckboxesAndTheBar_WhenUserIsViewer()
    {
        SignIn("vera", "viewer");
        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=bulk-bar]"));
        Assert.Empty(cut.FindAll("[data-testid^=select-]"));
    }

    [Fact]
    public async Task Retry_OfTwoSelectedRuns_AsksForConfirmationWithTheCount_ThenSendsTheirIds_AndShowsTheResults()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        Assert.True(cut.Find("[data-testid=bulk-retry]").HasAttribute("disabled"));

        Box(cut, $"select-{Newest[0]}").Change(true);
        Box(cut, $"select-{Newest[1]}").Change(true);
        Assert.Equal("2 selected", cut.Find("[data-testid=bulk-selected]").TextContent);
        bulk.Next = r => new BulkResult("bulk-1", r.Action, [new(r.Ids![0], BulkOutcome.Ok), new(r.Ids[1], BulkOutcome.Skipped, "Run is running")]);

        // The handler waits for the confirmation: answer it before awaiting the click.
        var clicked = cut.Find("[data-testid=bulk-retry]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Retry 2 run(s)?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Empty(bulk.Requests); // nothing before the confirmation
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Retry 2 run(s)").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(bulk.Requests));
        var request = bulk.Requests[0];
        Assert.Equal(BulkAction.Retry, request.Action);
        Assert.Equal("olga", request.Actor);
        Assert.Equal(Newest.Take(2).Order(), request.Ids!.Order());
        Assert.Null(request.Filter);
        cut.WaitForAssertion(() => Assert.Contains("Retry of 2 run(s): 1 done, 1 skipped, 0 failed (bulk bulk-1)", cut.Find("[data-testid=bulk-result]").TextContent, StringComparison.Ordinal));
        Assert.Contains("skipped: Run is running", cut.Find($"[data-testid=bulk-result-{request.Ids![1]}]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0 selected", cut.Find("[data-testid=bulk-selected]").TextContent);
    }

    [Fact]
    public async Task SelectAllMatching_SendsTheListsFilter_AndTheConfirmationCountsEveryMatchingRun()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();

        Box(cut, "select-page").Change(true);
        await cut.Find("[data-testid=bulk-select-all]").ClickAsync(new());
        Assert.Equal("All 3 matching run(s) selected", cut.Find("[data-testid=bulk-selected]").TextContent);
        bulk.Next = r => new BulkResult("bulk-2", r.Action, Newest.Select(id => new BulkRunResult(id, BulkOutcome.Ok)).ToList());

        // The handler waits for the confirmation: answer it before awaiting the click.
        var clicked = cut.Find("[data-testid=bulk-cancel]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("This will cancel all 3 run(s) matching the filters.", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel 3 run(s)").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(bulk.Requests));
        Assert.Null(bulk.Requests[0].Ids);
        Assert.NotNull(bulk.Requests[0].Filter);
        Assert.Equal(BulkAction.Cancel, bulk.Requests[0].Action);
    }

    [Fact]
    public async Task SelectAllMatching_SaysAtLeast_WhenTheTotalIsBounded_AndTheConfirmationSaysTheOperationActsOnNone()
    {
        SignIn("olga", "operator");
        // Past 10,000 runs the list stops counting: its total is a lower bound.
        Queries.ReportedTotal = (10_002, false);
        var cut = RenderPage();

        Box(cut, "select-page").Change(true);
        Assert.Equal("Select all matching (at least 10,002)", cut.Find("[data-testid=bulk-select-all]").TextContent.Trim());
        await cut.Find("[data-testid=bulk-select-all]").ClickAsync(new());
        Assert.Equal("All matching runs selected (at least 10,002)", cut.Find("[data-testid=bulk-selected]").TextContent);
        Assert.DoesNotContain("10,002 run(s)", cut.Markup, StringComparison.Ordinal);

        // The handler waits for the message: answer it before awaiting the click.
        var listed = Queries.ListCalls.Count;
        var clicked = cut.Find("[data-testid=bulk-cancel]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Too many runs to cancel", dialogs.Markup, StringComparison.Ordinal));
        var text = dialogs.Markup;
        Assert.Contains("The filters match at least 10,002 runs.", text, StringComparison.Ordinal);
        Assert.Contains("acts on at most 10,000 runs and refuses a filter that matches more, so it would cancel none of them", text, StringComparison.Ordinal);
        Assert.DoesNotContain(dialogs.FindAll("button"), b => b.TextContent.Contains("Cancel 10", StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Narrow the filters").Click();
        await clicked;

        Assert.Empty(bulk.Requests);
        Assert.True(Queries.ListCalls.Count > listed, "The confirmation counts the matching runs again.");
    }

    [Fact]
    public async Task Confirmation_SaysTheExactNumberAboveTheCap_AndSendsNothing_WhenTheTotalIsExactButTooLarge()
    {
        SignIn("olga", "operator");
        Queries.ReportedTotal = (10_001, true);
        var cut = RenderPage();

        Box(cut, "select-page").Change(true);
        Assert.Equal("Select all 10,001 matching", cut.Find("[data-testid=bulk-select-all]").TextContent.Trim());
        await cut.Find("[data-testid=bulk-select-all]").ClickAsync(new());
        Assert.Equal("All 10,001 matching run(s) selected", cut.Find("[data-testid=bulk-selected]").TextContent);

        var clicked = cut.Find("[data-testid=bulk-retry]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("The filters match 10,001 runs.", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("so it would retry none of them", dialogs.Markup, StringComparison.Ordinal);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Narrow the filters").Click();
        await clicked;

        Assert.Empty(bulk.Requests);
    }

    [Fact]
    public async Task Confirmation_CountsTheMatchingRunsAgain_AndStatesThatExactNumber_WhenTheShownTotalWasBounded()
    {
        SignIn("olga", "operator");
        Queries.ReportedTotal = (10_002, false);
        var cut = RenderPage();
        Box(cut, "select-page").Change(true);
        await cut.Find("[data-testid=bulk-select-all]").ClickAsync(new());

        // Meanwhile most runs stopped matching (say, the retention removed them): the count at confirmation is exact.
        Queries.ReportedTotal = null;
        bulk.Next = r => new BulkResult("bulk-3", r.Action, Newest.Select(id => new BulkRunResult(id, BulkOutcome.Ok)).ToList());
        var clicked = cut.Find("[data-testid=bulk-reject]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("This will reject all 3 run(s) matching the filters.", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Reject 3 run(s)").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(bulk.Requests));
        Assert.Null(bulk.Requests[0].Ids);
        Assert.NotNull(bulk.Requests[0].Filter);
    }

    [Fact]
    public async Task Declining_TheConfirmation_SendsNothing_AndKeepsTheSelection()
    {
        SignIn("olga", "operator");
        var cut = RenderPage();
        Box(cut, $"select-{Newest[0]}").Change(true);

        // The handler waits for the confirmation: answer it before awaiting the click.
        var clicked = cut.Find("[data-testid=bulk-approve]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Approve 1 run(s)?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep them").Click();
        await clicked;

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Approve 1 run(s)?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Empty(bulk.Requests);
        Assert.Equal("1 selected", cut.Find("[data-testid=bulk-selected]").TextContent);
    }

    // MudCheckBox puts its attributes on the input or on an element around it, depending on the version.
    private static AngleSharp.Dom.IElement Box(IRenderedComponent<RunsPage> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    private IRenderedComponent<RunsPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<RunsPage>();
    }

    private sealed class FakeBulk : IRunBulkCommands
    {
        public List<BulkRequest> Requests { get; } = [];

        public Func<BulkRequest, BulkResult> Next { get; set; } = r => new BulkResult("bulk", r.Action, []);

        public Task<BulkResult> BulkAsync(BulkRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(Next(request));
        }
    }
}
