using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;
using Workflows.Web.Tests.Workflows;

namespace Workflows.Web.Tests.Runs;

/// <summary>The decision dialog shows the plan the run was started with, read-only (issue 14: plan: required).</summary>
public sealed class DecisionDialogPlanTests : PortalTestContext
{
    private readonly StoredPlans plans = new();
    private readonly Guid runId = Guid.NewGuid();

    public DecisionDialogPlanTests()
    {
        Services.AddSingleton<IRunPlans>(plans);
        SignIn("bob", "viewer", "operator");
        RenderPopovers();
    }

    [Fact]
    public void Dialog_ShowsTheStoredPlan_SummaryAndOneRowPerStep()
    {
        plans.Plans[runId] = StartRunPreviewTests.Plan(errors: false);

        var provider = Show(WorkflowDefinition.PlanApprovalStepId);

        Assert.Contains("The plan this run was started with", provider.Find("[data-testid=decision-plan-heading]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Plan: 1 to create, 0 to adopt, 1 to change, 0 to destroy; 0 errors, 0 warnings", provider.Find("[data-testid=plan-summary]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["server", "web"], provider.FindAll("[data-testid=plan-row]").Select(r => r.GetAttribute("data-step")));
        Assert.Equal(["create", "update"], provider.FindAll("[data-testid=plan-action]").Select(a => a.TextContent.Trim()));
        Assert.Contains("+ nova.server \"web-1\"", provider.FindAll("[data-testid=plan-resource]")[0].TextContent, StringComparison.Ordinal);
        var check = provider.Find("[data-step=server] [data-testid=plan-check]");
        Assert.Equal("[ok] flavor: m1.tiny (id 1)", check.TextContent.Trim());
        Assert.Equal("Passed", check.GetAttribute("data-outcome"));
        Assert.Empty(provider.FindAll("[data-testid=plan-step]"));
        Assert.Empty(provider.FindAll("[data-testid=decision-plan-missing]"));
    }

    [Fact]
    public void Dialog_ShowsThePlansErrors_InTheirStepsRow()
    {
        plans.Plans[runId] = StartRunPreviewTests.Plan(errors: true);

        var provider = Show(WorkflowDefinition.PlanApprovalStepId);

        var row = provider.FindAll("[data-testid=plan-row]").Single(r => r.GetAttribute("data-step") == "server");
        Assert.Contains("with.flavor: flavor 'm1.huge' does not exist", row.QuerySelector("[data-testid=plan-problem]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Dialog_SaysNoPlanIsOnRecord_ForThePlanApprovalOfARunWithoutOne()
    {
        var provider = Show(WorkflowDefinition.PlanApprovalStepId);

        Assert.Contains("none is on record", provider.Find("[data-testid=decision-plan-missing]").TextContent, StringComparison.Ordinal);
        Assert.Empty(provider.FindAll("[data-testid=plan]"));
    }

    [Fact]
    public void Dialog_ShowsNoPlanSection_ForAnOrdinaryApprovalOfARunWithoutAPlan()
    {
        var provider = Show("gate");

        Assert.Empty(provider.FindAll("[data-testid=plan]"));
        Assert.Empty(provider.FindAll("[data-testid=decision-plan-missing]"));
    }

    private IRenderedComponent<MudDialogProvider> Show(string stepId)
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        provider.InvokeAsync(() => dialogs.ShowAsync<DecisionDialog>("Approve", new DialogParameters<DecisionDialog>
        {
            { d => d.RunId, runId },
            { d => d.StepId, stepId },
            { d => d.Approve, true },
        }));
        return provider;
    }

    private sealed class StoredPlans : IRunPlans
    {
        public Dictionary<Guid, WorkflowPlan> Plans { get; } = [];

        public Task RecordAsync(Guid runId, WorkflowPlan plan, string actor, bool overridden, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The dialog only reads the plan.");

        public Task<WorkflowPlan?> GetAsync(Guid runId, CancellationToken cancellationToken = default) =>
            Task.FromResult(Plans.TryGetValue(runId, out var p) ? p : null);
    }
}
