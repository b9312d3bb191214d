using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using InputType = Workflows.Abstractions.Definitions.InputType;
using Workflows.Web.Components.Triggers;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Triggers;

/// <summary>The schedules page and its dialog: create, edit, errors on the field they name, read-only definition schedules, roles.</summary>
public sealed class SchedulesPageTests : PortalTestContext
{
    private readonly FakeTriggerPortal portal = new();
    private IRenderedComponent<MudDialogProvider> dialogs = null!;

    public SchedulesPageTests()
    {
        Services.AddSingleton<ITriggerPortal>(portal);
        Catalog.Definitions.Add(TestData.Definition(
            "boot-vm",
            new InputDefinition { Name = "flavor", Type = InputType.String, Default = JsonValue.Create("m1.tiny") },
            new InputDefinition { Name = "password", Type = InputType.Secret }));
        Catalog.Definitions.Add(TestData.Definition("backup"));
        portal.Schedules.Add(new PortalSchedule("backup", "nightly", "0 3 * * 1-5", "Europe/Berlin", "skip", false, [new DateTimeOffset(2026, 3, 2, 2, 0, 0, TimeSpan.Zero)], null, null, null, null)
        {
            Description = "at 03:00 on Monday–Friday",
            Origin = PortalSchedule.DefinitionOrigin,
            Source = "workflows/backup.yaml",
        });
        portal.Schedules.Add(new PortalSchedule("boot-vm", "hourly", "0 * * * *", "UTC", "queue", false, [], null, null, null, null)
        {
            Description = "every hour",
            Origin = PortalSchedule.ApiOrigin,
            Source = "api (by alice)",
            Inputs = FakeTriggerPortal.Inputs(("flavor", JsonValue.Create("m1.large"))),
            CreatedBy = "alice",
            CreatedAt = TestData.T0,
            UpdatedBy = "bob",
            UpdatedAt = TestData.T0.AddHours(1),
        });
    }

    [Fact]
    public void Render_SaysTheCronInPlainLanguage_AndTheNextFiresInTheSchedulesZone_WithUtcOnHover()
    {
        SignIn("vera", "viewer");
        var row = RenderPage().Find("[data-testid=schedule-backup-nightly]");

        Assert.Equal("at 03:00 on Monday–Friday", row.QuerySelector("[data-testid=schedule-description]")!.TextContent);
        Assert.Equal("0 3 * * 1-5", row.QuerySelector("[data-testid=schedule-cron]")!.TextContent);
        Assert.Equal("Europe/Berlin", row.QuerySelector("[data-testid=schedule-zone]")!.TextContent);
        var next = row.QuerySelector("[data-testid=schedule-next] div")!;
        Assert.Equal("Mon 2026-03-02 03:00 +01:00", next.TextContent);
        Assert.Equal("2026-03-02 02:00:00 UTC", next.GetAttribute("title"));
    }

    [Fact]
    public void Render_ShowsADefinitionScheduleReadOnly_WithALinkToItsYaml()
    {
        SignIn("ada", "admin");
        var row = RenderPage().Find("[data-testid=schedule-backup-nightly]");

        Assert.Contains("workflows/backup.yaml", row.QuerySelector("[data-testid=schedule-source]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("/workflows/backup#source", row.QuerySelector("[data-testid=schedule-yaml]")!.GetAttribute("href"));
        Assert.Null(row.QuerySelector("[data-testid=edit-schedule]"));
        Assert.Null(row.QuerySelector("[data-testid=delete-schedule]"));
    }

    [Fact]
    public void Render_ShowsWhoCreatedAndChangedAnApiSchedule_AndItsInputs()
    {
        SignIn("vera", "viewer");
        var row = RenderPage().Find("[data-testid=schedule-boot-vm-hourly]");

        var source = row.QuerySelector("[data-testid=schedule-source]")!.TextContent;
        Assert.Contains("created by alice, 2026-01-02 03:04:05 UTC", source, StringComparison.Ordinal);
        Assert.Contains("changed by bob, 2026-01-02 04:04:05 UTC", source, StringComparison.Ordinal);
        Assert.Equal("flavor=\"m1.large\"", row.QuerySelector("[data-testid=schedule-inputs]")!.TextContent.Trim());
    }

    [Fact]
    public void Render_DisablesEveryChange_WhenUserIsViewer()
    {
        SignIn("vera", "viewer");
        var cut = RenderPage();

        Assert.True(cut.Find("[data-testid=new-schedule]").HasAttribute("disabled"));
        var row = cut.Find("[data-testid=schedule-boot-vm-hourly]");
        foreach (var button in new[] { "run-now", "pause", "edit-schedule", "delete-schedule" })
        {
            Assert.True(row.QuerySelector($"[data-testid={button}]")!.HasAttribute("disabled"), button);
        }

        Assert.Equal("Only admins change schedules", row.QuerySelector("[data-testid=edit-schedule]")!.GetAttribute("title"));
    }

    [Fact]
    public async Task NewSchedule_SavesTheDialogsValues_WithInputsFromTheStartPagesForm_AndListsIt()
    {
        SignIn("ada", "admin");
        // A new schedule starts with the catalog's first workflow by name; leave boot-vm (with inputs) as the only one.
        Catalog.Definitions.RemoveAll(d => d.Name == "backup");
        var cut = RenderPage();

        // The handler waits for the dialog's result: await the click only after the dialog has closed.
        var clicked = cut.Find("[data-testid=new-schedule]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=schedule-dialog]")));
        dialogs.Find("[data-testid=schedule-name]").Change("every-morning");
        dialogs.Find("[data-testid=schedule-cron]").Input("30 6 * * *");
        dialogs.WaitForAssertion(() => Assert.Equal("described 30 6 * * *", dialogs.Find("[data-testid=schedule-description]").TextContent));
        Assert.Empty(dialogs.FindAll("[data-testid=input-password]")); // a schedule never stores a secret
        dialogs.Find("[data-testid=input-flavor]").Input("m1.small");
        await dialogs.Find("[data-testid=submit]").ClickAsync(new());
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(portal.Saved));
        var (saved, create, actor) = portal.Saved[0];
        Assert.True(create);
        Assert.Equal("ada", actor);
        Assert.Equal(("boot-vm", "every-morning", "30 6 * * *", "UTC", "skip"), (saved.Workflow, saved.Name, saved.Cron, saved.TimeZone, saved.Overlap));
        Assert.Equal("""{"flavor":"m1.small"}""", saved.Inputs.ToJsonString());
        cut.WaitForAssertion(() => Assert.Contains("boot-vm/every-morning created", cut.Find("[data-testid=schedule-message]").TextContent, StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid=schedule-boot-vm-every-morning]"));
        Assert.Empty(dialogs.FindAll("[data-testid=schedule-dialog]"));
    }

    [Fact]
    public async Task Save_ShowsEachServerErrorOnTheFieldItNames_AndKeepsTheDialogOpen()
    {
        SignIn("ada", "admin");
        // A new schedule starts with the catalog's first workflow by name; leave boot-vm (with inputs) as the only one.
        Catalog.Definitions.RemoveAll(d => d.Name == "backup");
        portal.NextSave = _ => new(false, null, new Dictionary<string, string[]>
        {
            ["cron"] = ["'61 * * * *' is not a valid cron expression"],
            ["timezone"] = ["unknown time zone 'Mars/Olympus'"],
            ["flavor"] = ["must be one of the cloud's flavors"],
        });
        var cut = RenderPage();

        // The dialog stays open, so the click that opened it never completes: it is not awaited.
        _ = cut.Find("[data-testid=new-schedule]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=schedule-dialog]")));
        dialogs.Find("[data-testid=schedule-name]").Change("broken");
        await dialogs.Find("[data-testid=submit]").ClickAsync(new());

        dialogs.WaitForAssertion(() => Assert.Contains("'61 * * * *' is not a valid cron expression", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("unknown time zone 'Mars/Olympus'", dialogs.Markup, StringComparison.Ordinal);
        Assert.Equal("must be one of the cloud's flavors", dialogs.Find("[data-testid=error-flavor]").TextContent);
        Assert.Empty(portal.Saved);
        Assert.NotNull(dialogs.Find("[data-testid=schedule-dialog]"));
    }

    [Fact]
    public async Task Edit_OpensWithTheSchedulesValues_AndReplacesIt()
    {
        SignIn("ada", "admin");
        var cut = RenderPage();

        var clicked = cut.Find("[data-testid=schedule-boot-vm-hourly] [data-testid=edit-schedule]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=schedule-dialog]")));
        Assert.True(dialogs.Find("[data-testid=schedule-name]").HasAttribute("disabled"));
        Assert.Equal("m1.large", dialogs.Find("[data-testid=input-flavor]").GetAttribute("value"));
        dialogs.Find("[data-testid=schedule-cron]").Input("*/30 * * * *");
        await dialogs.Find("[data-testid=submit]").ClickAsync(new());
        await clicked;

        cut.WaitForAssertion(() => Assert.Single(portal.Saved));
        var (saved, create, _) = portal.Saved[0];
        Assert.False(create);
        Assert.Equal(("boot-vm", "hourly", "*/30 * * * *", "UTC", "queue"), (saved.Workflow, saved.Name, saved.Cron, saved.TimeZone, saved.Overlap));
        Assert.Equal("""{"flavor":"m1.large"}""", saved.Inputs.ToJsonString());
    }

    [Fact]
    public async Task Delete_AsksFirst_ThenDeletesTheApiSchedule()
    {
        SignIn("ada", "admin");
        var cut = RenderPage();

        // The handler waits for the confirmation: answer it before awaiting the click.
        var clicked = cut.Find("[data-testid=schedule-boot-vm-hourly] [data-testid=delete-schedule]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete boot-vm/hourly (every hour)?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Empty(portal.Deleted);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();
        await clicked;

        cut.WaitForAssertion(() => Assert.Equal(("boot-vm", "hourly", "ada"), Assert.Single(portal.Deleted)));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=schedule-boot-vm-hourly]")));
    }

    private IRenderedComponent<SchedulesPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<SchedulesPage>();
    }
}
