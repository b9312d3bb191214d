using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Tests.Execution;

public abstract class PlanGateFixture(string provider) : IAsyncLifetime
{
    public const string Gated = """
        name: gated
        plan: { required: true, approvers: { users: [carol, dana] } }
        inputs:
          wait: { type: string, default: 10ms }
        steps:
          - id: pause
            uses: core.delay
            with: { duration: "${{ inputs.wait }}" }
          - id: after
            needs: [pause]
            uses: test.record
            with: { value: done }
        """;

    public EngineHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EngineHost.StartAsync(provider, new Dictionary<string, string>
    {
        ["gated"] = Gated,
        ["gated-refused"] = Gated.Replace("name: gated", "name: gated-refused", StringComparison.Ordinal),
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class SqlitePlanGateFixture() : PlanGateFixture("sqlite");

public sealed class PostgresPlanGateFixture() : PlanGateFixture("postgres");

public sealed class SqlitePlanGateTests(SqlitePlanGateFixture f) : PlanGateTests(f.Host), IClassFixture<SqlitePlanGateFixture>;

public sealed class PostgresPlanGateTests(PostgresPlanGateFixture f) : PlanGateTests(f.Host), IClassFixture<PostgresPlanGateFixture>;

/// <summary><c>plan: required</c>: every start is planned, the plan kept, and the run waits for its approval (issue 14), on both databases.</summary>
public abstract class PlanGateTests(EngineHost engine)
{
    private IRunPlans Plans => engine.Services.GetRequiredService<IRunPlans>();

    private static readonly Approver Carol = new("carol", ["viewer", "operator"], []);

    private Task<RunSummary> StartAsync(string workflow, string wait = "10ms", bool overridePlanErrors = false, TriggerKind trigger = TriggerKind.Api) =>
        engine.Commands.StartAsync(new StartRunRequest(workflow, new Dictionary<string, JsonNode?> { ["wait"] = wait }, new TriggerInfo(trigger, "sam"))
        {
            OverridePlanErrors = overridePlanErrors,
        });

    private Task<RunDetail> WaitForTheApprovalAsync(Guid run) =>
        engine.WaitAsync(run, r => r.Steps.Single(s => s.StepId == WorkflowDefinition.PlanApprovalStepId).Status == StepStatus.Waiting);

    [Theory]
    [InlineData(TriggerKind.Api)]
    [InlineData(TriggerKind.Schedule)]
    [InlineData(TriggerKind.Webhook)]
    public async Task StartAsync_KeepsThePlan_AndWaitsForItsApproval_BeforeTheFirstStep(TriggerKind trigger)
    {
        var run = await StartAsync("gated", trigger: trigger);

        var r = await WaitForTheApprovalAsync(run.Id);
        Assert.Equal(RunStatus.WaitingForApproval, r.Run.Status);
        Assert.All(r.Steps.Where(s => s.StepId != WorkflowDefinition.PlanApprovalStepId), s => Assert.Equal(StepStatus.Pending, s.Status));
        var plan = await Plans.GetAsync(run.Id);
        Assert.NotNull(plan);
        Assert.Equal("gated", plan.Workflow);
        Assert.Contains(plan.Steps, s => s.Id == "pause" && s.Plan.Summary.Contains("10ms", StringComparison.Ordinal));
        var planned = Assert.Single(await engine.Queries.GetAuditAsync(run.Id), a => a.Kind == "run.planned");
        Assert.StartsWith("Plan: 0 to create", planned.Message, StringComparison.Ordinal);
        var pending = Assert.Single(await engine.Services.GetRequiredService<IApprovalQueries>().ListPendingAsync(Carol), p => p.RunId == run.Id);
        Assert.Equal(WorkflowDefinition.PlanApprovalStepId, pending.StepId);
        Assert.Equal(planned.Message, pending.PlanSummary);
        await engine.Commands.CancelAsync(run.Id, "tester");
    }

    [Fact]
    public async Task Approving_ThePlan_RunsTheSteps()
    {
        var run = await StartAsync("gated");
        await WaitForTheApprovalAsync(run.Id);

        await engine.Commands.DecideAsync(run.Id, WorkflowDefinition.PlanApprovalStepId, new ApprovalDecision(true, "carol", "looks right"));
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Equal("done", r.Steps.Single(s => s.StepId == "after").Outputs!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rejecting_ThePlan_FailsTheRun_WithoutStartingAStep()
    {
        var run = await StartAsync("gated");
        await WaitForTheApprovalAsync(run.Id);

        await engine.Commands.DecideAsync(run.Id, WorkflowDefinition.PlanApprovalStepId, new ApprovalDecision(false, "dana", "not today"));
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        Assert.Equal("approval.rejected", r.Steps.Single(s => s.StepId == WorkflowDefinition.PlanApprovalStepId).ErrorCode);
        Assert.All(r.Steps.Where(s => s.StepId is "pause" or "after"), s => Assert.Empty(s.Attempts));
    }

    [Fact]
    public async Task StartAsync_RefusesAPlanWithErrors_AndStartsNothing()
    {
        var e = await Assert.ThrowsAsync<PlanHasErrorsException>(() => StartAsync("gated-refused", wait: "soon"));

        Assert.Equal(1, e.Plan.Summary.Errors);
        var error = Assert.Single(e.Errors);
        Assert.StartsWith("pause: with.duration: ", error, StringComparison.Ordinal);
        var runs = await engine.Queries.ListAsync(new RunFilter { Workflow = "gated-refused", PageSize = 10 });
        Assert.Empty(runs.Items);
    }

    [Fact]
    public async Task StartAsync_StartsAPlanWithErrors_WhenOverridden_AndTheAuditSaysSo()
    {
        var run = await StartAsync("gated", wait: "soon", overridePlanErrors: true);

        await WaitForTheApprovalAsync(run.Id);
        Assert.Equal(1, (await Plans.GetAsync(run.Id))!.Summary.Errors);
        var planned = Assert.Single(await engine.Queries.GetAuditAsync(run.Id), a => a.Kind == "run.planned");
        Assert.Contains("started by sam despite 1 error (plan override)", planned.Message, StringComparison.Ordinal);
        await engine.Commands.CancelAsync(run.Id, "tester");
    }
}
