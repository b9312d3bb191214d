using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunTriesTests
{
    private static readonly Guid RunId = Guid.NewGuid();

    [Fact]
    public void From_NamesATryCompensated_WhenItFailedAfterCompensating()
    {
        var retriedAt = TestData.T0.AddMinutes(30);
        var tries = RunTries.From(TestData.Summary(RunId, "boot-vm", RunStatus.Succeeded) with { StartedAt = TestData.T0 },
        [
            Event(1, TestData.T0.AddMinutes(1), "run.compensating", "Compensating 1 step(s) in reverse order: server"),
            Event(2, TestData.T0.AddMinutes(2), "run.finished", "Run failed: Step 'wait' failed: not a duration"),
            Event(3, retriedAt, "run.retried", "Retry requested by carol"),
            Event(4, retriedAt.AddSeconds(10), "run.finished", "Run succeeded: all steps succeeded"),
        ]);

        Assert.Equal(["Try 1 — compensated", "Try 2 — succeeded"], tries.Select(t => t.Label));
    }

    [Fact]
    public void From_KeepsATryFailed_WhenNothingWasCompensated()
    {
        var retriedAt = TestData.T0.AddMinutes(30);
        var tries = RunTries.From(TestData.Summary(RunId, "boot-vm", RunStatus.Failed) with { StartedAt = TestData.T0 },
        [
            Event(1, TestData.T0.AddMinutes(2), "run.finished", "Run failed: Step 'server' failed: no flavor"),
            Event(2, retriedAt, "run.retried", "Retry requested by carol"),
            Event(3, retriedAt.AddMinutes(1), "run.compensating", "Compensating 1 step(s) in reverse order: server"),
            Event(4, retriedAt.AddMinutes(2), "run.finished", "Run failed: Step 'ip' failed: no address"),
        ]);

        // The second try's compensation belongs to the second try only.
        Assert.Equal(["Try 1 — failed", "Try 2 — compensated"], tries.Select(t => t.Label));
    }

    [Fact]
    public void From_KeepsACancelledTryCancelled_WhenItCompensated()
    {
        var tries = RunTries.From(TestData.Summary(RunId, "boot-vm", RunStatus.Cancelled) with { StartedAt = TestData.T0 },
        [
            Event(1, TestData.T0.AddMinutes(1), "run.compensating", "Compensating 1 step(s) in reverse order: server"),
            Event(2, TestData.T0.AddMinutes(2), "run.finished", "Run cancelled: by carol"),
        ]);

        Assert.Equal(["Try 1 — cancelled"], tries.Select(t => t.Label));
    }

    private static AuditEvent Event(long id, DateTimeOffset at, string kind, string message) => new(id, RunId, at, kind, "engine", null, message, null);
}
