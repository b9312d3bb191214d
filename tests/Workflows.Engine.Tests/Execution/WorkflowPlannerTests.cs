using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Tests.Execution;

/// <summary>The engine composes a workflow's plan along its DAG (issue 14), on a real engine with SQLite.</summary>
public sealed class WorkflowPlannerTests : IAsyncLifetime
{
    private const string Workflow = """
        name: planned
        inputs:
          wait: { type: string, default: 5s }
          token: { type: secret, required: true }
          url: { type: string, default: "http://127.0.0.1:9/hook" }
        steps:
          - id: record
            uses: test.record
            with: { value: "${{ steps.notify.outputs.status }}" }
            needs: [notify]
          - id: notify
            uses: core.http
            with: { url: "${{ inputs.url }}?t=${{ inputs.token }}", method: POST, headers: { Authorization: "Bearer ${{ inputs.token }}" } }
          - id: wait
            needs: [notify]
            uses: core.delay
            with: { duration: "${{ inputs.wait }}" }
          - id: gate
            needs: [notify]
            if: ${{ steps.notify.outputs.status == 200 }}
            uses: core.approval
            with: { message: "notified with ${{ steps.notify.outputs.status }}" }
          - id: never
            if: ${{ inputs.wait == 'never' }}
            uses: core.delay
            with: { duration: 1s }
        """;

    private EngineHost host = null!;

    private IWorkflowPlanner Planner => host.Services.GetRequiredService<IWorkflowPlanner>();

    public async Task InitializeAsync() => host = await EngineHost.StartAsync("sqlite", new Dictionary<string, string> { ["planned"] = Workflow });

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task PlanAsync_ListsTheSteps_InDagOrder()
    {
        var plan = await PlanAsync();

        Assert.Equal(["notify", "record", "wait", "gate", "never"], plan.Steps.Select(s => s.Id));
    }

    [Fact]
    public async Task PlanAsync_ShowsAnIfThatReadsAnEarlierOutput_AsConditional_AndPlansTheStep()
    {
        var gate = (await PlanAsync()).Steps.Single(s => s.Id == "gate");

        Assert.Equal("depends on ${{ steps.notify.outputs.status == 200 }} (known after `notify`)", gate.Condition);
        Assert.Equal(PlanAction.NoChange, gate.Plan.Action);
        Assert.Equal("waits for an operator to approve a message known after `notify`", gate.Plan.Summary);
    }

    [Fact]
    public async Task PlanAsync_SkipsAStepWhoseIfIsFalseNow()
    {
        var never = (await PlanAsync()).Steps.Single(s => s.Id == "never");

        Assert.Equal("false", never.Condition);
        Assert.Equal(PlanAction.Skipped, never.Plan.Action);
    }

    [Fact]
    public async Task PlanAsync_ShowsAnActionWithoutAPlan_AsNotPlanned_WithItsInputsKnownAfterTheStepTheyComeFrom()
    {
        var plan = await PlanAsync();
        var record = plan.Steps.Single(s => s.Id == "record");

        Assert.Equal(PlanAction.NotPlanned, record.Plan.Action);
        Assert.Equal("(known after `notify`)", (string?)record.Inputs["value"]);
        Assert.Equal(1, plan.Summary.NotPlanned);
    }

    [Fact]
    public async Task PlanAsync_ReportsAnInvalidDuration_OnItsField()
    {
        var wait = (await PlanAsync(new { wait = "5 parsecs" })).Steps.Single(s => s.Id == "wait");

        var problem = Assert.Single(wait.Plan.Problems);
        Assert.Equal(("with.duration", PlanSeverity.Error), (problem.Field, problem.Severity));
    }

    [Fact]
    public async Task PlanAsync_NeverShowsASecret_NeitherInInputsNorInTheActionsPlan()
    {
        var plan = await PlanAsync();
        var json = JsonSerializer.Serialize(plan);

        Assert.DoesNotContain("s3cr3t-t0ken-value", json, StringComparison.Ordinal);
        var notify = plan.Steps.Single(s => s.Id == "notify");
        Assert.Equal("***", (string?)notify.Inputs["headers"]!["Authorization"]);
        Assert.Equal("POST http://127.0.0.1:9/hook", Assert.Single(notify.Plan.Resources).Name);
        Assert.Empty(notify.Calls); // nothing was sent
    }

    [Fact]
    public async Task PlanAsync_RefusesAnInvalidInput_WithTheRunStartsRule()
    {
        var e = await Assert.ThrowsAsync<InputValidationException>(() => PlanAsync(new { nope = 1 }));

        Assert.Contains(e.Errors, f => f.Field == "inputs.nope");
    }

    [Fact]
    public async Task PlanAsync_StartsNoRun()
    {
        await PlanAsync();

        Assert.Empty((await host.Queries.ListAsync(new RunFilter { Workflow = "planned" })).Items);
    }

    private Task<WorkflowPlan> PlanAsync(object? inputs = null)
    {
        var given = inputs is null ? new Dictionary<string, JsonNode?>() : JsonSerializer.SerializeToNode(inputs)!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        given.TryAdd("token", "s3cr3t-t0ken-value");
        return Planner.PlanAsync(new PlanRequest("planned", given, "tester"));
    }
}
