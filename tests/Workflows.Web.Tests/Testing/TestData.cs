using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Tests.Testing;

/// <summary>Builders for the records the tests need.</summary>
public static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static RunSummary Summary(Guid id, string workflow, RunStatus status, string actor = "alice") => new()
    {
        Id = id,
        Workflow = workflow,
        Version = "abc123",
        Status = status,
        Trigger = new TriggerInfo(TriggerKind.Portal, actor),
        CreatedAt = T0,
        StartedAt = T0,
        FinishedAt = status.IsTerminal() ? T0.AddMinutes(3) : null,
    };

    public static StepView Step(string id, StepStatus status, params string[] needs) => new()
    {
        StepId = id,
        Uses = "test.action",
        Needs = needs,
        Status = status,
        Attempt = status == StepStatus.Pending ? 0 : 1,
        MaxAttempts = 3,
        StartedAt = status == StepStatus.Pending ? null : T0,
        FinishedAt = status.IsTerminal() && status != StepStatus.Skipped ? T0.AddSeconds(42) : null,
    };

    public static WorkflowDefinition Definition(string name, params InputDefinition[] inputs) => new()
    {
        Name = name,
        Description = $"The {name} workflow",
        Version = "abc123",
        Inputs = inputs,
        Steps = [new StepDefinition { Id = "only", Uses = "test.action" }],
    };
}
