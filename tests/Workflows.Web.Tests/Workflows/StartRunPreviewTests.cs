using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Workflows;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Workflows;

/// <summary>The start form's Preview: the plan before Start, Start blocked by its errors unless overridden, the plan kept with the run.</summary>
public sealed class StartRunPreviewTests : PortalTestContext
{
    private readonly FakePlanner planner = new();
    private readonly FakeRunPlans plans = new();

    public StartRunPreviewTests()
    {
        Catalog.Definitions.Add(TestData.Definition("boot-vm", new InputDefinition { Name = "name", Required = true }));
        Services.AddSingleton<IWorkflowPlanner>(planner);
        Services.AddSingleton<IRunPlans>(plans);
        SignIn("alice", "operator");
        RenderPopovers();
    }

    [Fact]
    public void Preview_ShowsTheStepsObjectsDiffsAndChecks_AndStartKeepsThatPlanWithTheRun()
    {
        planner.Next = Plan(errors: false);
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        page.Find("[data-testid=input-name]").Input("web-1");

        page.Find("[data-testid=preview]").Click();

        Assert.Equal("web-1", Assert.Single(planner.Requests).Inputs["name"]!.GetValue<string>());
        Assert.Equal("alice", planner.Requests[0].Actor);
        Assert.Contains("Plan: 1 to create, 0 to adopt, 1 to change, 0 to destroy; 0 errors, 0 warnings", page.Find("[data-testid=plan-summary]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["server", "web"], page.FindAll("[data-testid=plan-step]").Select(s => s.GetAttribute("data-step")));
        Assert.Contains("+ nova.server \"web-1\"", page.FindAll("[data-testid=plan-resource]")[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("~ image = app:v1 -> app:v2", page.Find("[data-testid=plan-change]").TextContent.Trim());
        Assert.Equal("[ok] flavor: m1.tiny (id 1)", page.Find("[data-testid=plan-check]").TextContent.Trim());
        Assert.False(page.Find("[data-testid=submit]").HasAttribute("disabled"));

        page.Find("[data-testid=submit]").Click();

        // The engine keeps the plan that was shown (StartRunRequest.Preview) with the run it starts.
        var started = Assert.Single(Commands.Started);
        Assert.Same(planner.Next, started.Preview);
        Assert.False(started.OverridePlanErrors);
    }

    [Fact]
    public void Start_IsBlockedByAPlanWithErrors_UntilTheOverrideIsTicked_WhichIsRecorded()
    {
        planner.Next = Plan(errors: true);
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=preview]").Click();

        Assert.Contains("flavor 'm1.huge' does not exist", page.Find("[data-testid=plan-problem]").TextContent, StringComparison.Ordinal);
        Assert.True(page.Find("[data-testid=submit]").HasAttribute("disabled"));
        Assert.Empty(Commands.Started);

        page.Find("input[data-testid=plan-override], [data-testid=plan-override] input").Change(true);
        page.Find("[data-testid=submit]").Click();

        var started = Assert.Single(Commands.Started);
        Assert.Same(planner.Next, started.Preview);
        Assert.True(started.OverridePlanErrors);
    }

    [Fact]
    public void Start_KeepsNoPlan_WhenTheValuesChangedSincePreview()
    {
        planner.Next = Plan(errors: false);
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=preview]").Click();

        page.Find("[data-testid=input-name]").Input("web-2");
        page.Find("[data-testid=submit]").Click();

        Assert.Null(Assert.Single(Commands.Started).Preview);
    }

    [Fact]
    public void Start_ShowsThePlanAndItsOverride_WhenTheEngineRefusesAPlanRequiredRunForItsErrors()
    {
        var refused = Plan(errors: true);
        Commands.StartFailure = new PlanHasErrorsException(refused);
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        page.Find("[data-testid=input-name]").Input("web-1");

        page.Find("[data-testid=submit]").Click();

        Assert.Contains("flavor 'm1.huge' does not exist", page.Find("[data-testid=plan-problem]").TextContent, StringComparison.Ordinal);
        Assert.Contains("fix them, or tick 'Start anyway'", page.Find("[data-testid=plan-error]").TextContent, StringComparison.Ordinal);
        Assert.True(page.Find("[data-testid=submit]").HasAttribute("disabled"));
        Assert.NotEmpty(page.FindAll("[data-testid=plan-override]"));
    }

    internal static WorkflowPlan Plan(bool errors)
    {
        var problems = errors ? new List<PlanProblem> { new(PlanSeverity.Error, "with.flavor", "flavor 'm1.huge' does not exist in cloud sandbox") } : [];
        var server = new StepPlan(
            PlanAction.Create,
            "boot server web-1",
            [new PlannedResource("nova.server", "web-1", PlanAction.Create, new Dictionary<string, string> { ["flavor"] = "m1.tiny" }, [])],
            [new PlanCheck("flavor", PlanCheckOutcome.Passed, "m1.tiny (id 1)")],
            problems);
        var web = new StepPlan(
            PlanAction.Update,
            "update service web",
            [new PlannedResource("docker.service", "web", PlanAction.Update, new Dictionary<string, string> { ["image"] = "app:v2" }, [new PlanChange("image", "app:v1", "app:v2")])],
            [],
            []);
        return new WorkflowPlan(
            "boot-vm",
            "abc123",
            new JsonObject { ["name"] = "web-1" },
            [new PlannedStep("server", null, "nova.server.create", [], null, [], server, []), new PlannedStep("web", null, "docker.service.deploy", ["server"], null, [], web, [])],
            [],
            new PlanSummary(1, 0, 1, 0, 0, 0, errors ? 1 : 0, 0),
            TestData.T0);
    }

    private sealed class FakePlanner : IWorkflowPlanner
    {
        public WorkflowPlan? Next { get; set; }

        public List<PlanRequest> Requests { get; } = [];

        public Task<WorkflowPlan> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(Next!);
        }
    }

    private sealed class FakeRunPlans : IRunPlans
    {
        public List<(Guid RunId, WorkflowPlan Plan, string Actor, bool Overridden)> Recorded { get; } = [];

        public Task RecordAsync(Guid runId, WorkflowPlan plan, string actor, bool overridden, CancellationToken cancellationToken = default)
        {
            Recorded.Add((runId, plan, actor, overridden));
            return Task.CompletedTask;
        }

        public Task<WorkflowPlan?> GetAsync(Guid runId, CancellationToken cancellationToken = default) =>
            Task.FromResult(Recorded.Where(r => r.RunId == runId).Select(r => r.Plan).FirstOrDefault());
    }
}
