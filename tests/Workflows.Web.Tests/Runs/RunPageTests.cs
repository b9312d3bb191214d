using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using InputType = Workflows.Abstractions.Definitions.InputType;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunPageTests : PortalTestContext
{
    private readonly Guid runId = Guid.NewGuid();

    public RunPageTests()
    {
        Catalog.Definitions.Add(TestData.Definition(
            "boot-vm",
            new InputDefinition { Name = "name" },
            new InputDefinition { Name = "password", Type = InputType.Secret }));
        Queries.Runs[runId] = Detail(RunStatus.Running, TestData.Step("server", StepStatus.Running), TestData.Step("ip", StepStatus.Pending, "server"));
    }

    [Fact]
    public void Render_ShowsStatusStepsAndMaskedInputs()
    {
        SignIn("alice", "viewer");
        // Even if a secret reached the portal unmasked, the definition's secret type masks it.
        Queries.Runs[runId] = Queries.Runs[runId] with
        {
            Inputs = new Dictionary<string, JsonNode?> { ["name"] = JsonValue.Create("web-1"), ["password"] = JsonValue.Create("s3cret") },
        };

        var cut = RenderPage();

        Assert.Equal("Running", cut.Find("[data-testid=run-header] [data-testid=run-status]").GetAttribute("data-status"));
        Assert.Equal("Portal · alice", cut.Find("[data-testid=run-trigger]").TextContent);
        Assert.Equal("Running", cut.Find("[data-testid=step-server]").GetAttribute("data-status"));
        Assert.Equal("Pending", cut.Find("[data-testid=step-ip]").GetAttribute("data-status"));
        Assert.Equal("***", cut.Find("[data-testid=run-input-password] .wf-json").TextContent);
        Assert.DoesNotContain("s3cret", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Notification_UpdatesStatusesWithoutReload_WhenRunChanges()
    {
        SignIn("alice", "viewer");
        var cut = RenderPage();

        Queries.Runs[runId] = Detail(RunStatus.Failed, TestData.Step("server", StepStatus.Failed), TestData.Step("ip", StepStatus.Skipped, "server"));
        Notifications.Raise(new RunNotification(runId, "step"));

        Assert.Equal("Failed", cut.Find("[data-testid=run-header] [data-testid=run-status]").GetAttribute("data-status"));
        Assert.Equal("Failed", cut.Find("[data-testid=step-server]").GetAttribute("data-status"));
        Assert.Equal("Skipped", cut.Find("[data-testid=step-ip]").GetAttribute("data-status"));
    }

    [Fact]
    public void Render_ShowsNotFound_WhenRunDoesNotExist()
    {
        SignIn("alice", "viewer");
        RenderProviders();

        var cut = Render<RunPage>(p => p.Add(r => r.Id, Guid.NewGuid()));

        Assert.Contains("Run not found", cut.Find("[data-testid=error-state]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAgain_OpensPrefilledStartForm_InsteadOfStartingRun()
    {
        SignIn("carol", "operator");
        Queries.Runs[runId] = Detail(RunStatus.Succeeded, TestData.Step("server", StepStatus.Succeeded));
        var cut = RenderPage();

        cut.Find("[data-testid=run-again]").Click();

        Assert.Empty(Commands.Started);
        Assert.EndsWith($"/workflows/boot-vm/run?from={runId}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_GroupsCompensationsByTry_AfterManualRetry()
    {
        SignIn("alice", "viewer");
        var retriedAt = TestData.T0.AddMinutes(30);
        var compensation = TestData.Step("compensate:server", StepStatus.Succeeded) with { IsCompensation = true, StartedAt = TestData.T0.AddMinutes(1) };
        Queries.Runs[runId] = Detail(RunStatus.Succeeded, TestData.Step("server", StepStatus.Succeeded) with { StartedAt = retriedAt, FinishedAt = retriedAt.AddSeconds(10) }, compensation);
        // As the engine writes them: a compensated run finishes as failed, after a run.compensating event.
        Queries.Audit.AddRange(
        [
            new AuditEvent(1, runId, TestData.T0.AddMinutes(1), "run.compensating", "engine", null, "Compensating 1 step(s) in reverse order: server", null),
            new AuditEvent(2, runId, TestData.T0.AddMinutes(2), "run.finished", "engine", null, "Run failed: Step 'ip' failed: no address", null),
            new AuditEvent(3, runId, retriedAt, "run.retried", "carol", null, "Retry requested by carol", null),
            new AuditEvent(4, runId, retriedAt.AddSeconds(10), "run.finished", "engine", null, "Run succeeded: all steps succeeded", null),
        ]);

        var cut = RenderPage();

        Assert.Equal("Try 1 — compensated", cut.Find("[data-testid=compensation-try-1] [data-testid=try-label]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=compensation-try-1] [data-testid='step-compensate:server']"));
        Assert.Equal("Try 2 — succeeded", cut.Find("[data-testid=current-try]").TextContent);
        // 2 minutes of the first try and 10 seconds of the second: the 28 idle minutes before the retry do not count.
        Assert.Equal("2m 10s in 2 tries", cut.Find("[data-testid=run-duration]").TextContent);
    }

    private RunDetail Detail(RunStatus status, params StepView[] steps) => new(
        TestData.Summary(runId, "boot-vm", status),
        new Dictionary<string, JsonNode?> { ["name"] = JsonValue.Create("web-1"), ["password"] = JsonValue.Create("***") },
        steps);

    private void RenderProviders()
    {
        RenderPopovers();
        Render<MudDialogProvider>();
    }

    private IRenderedComponent<RunPage> RenderPage()
    {
        RenderProviders();
        return Render<RunPage>(p => p.Add(r => r.Id, runId));
    }
}
