using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The steps the approvals inbox and the derived WaitingForApproval status start from: a step that has asked (Waiting,
/// or Running on a later poll with its state kept) and has no decision yet — never one still on its first execution,
/// whose message is not evaluated yet.
/// </summary>
public sealed class UndecidedStepsTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task UndecidedStepsAsync_ListsStepsThatAsked_AndNotOneOnItsFirstExecution(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        const string asked = """{"expiresAt":"2030-01-01T00:00:00+00:00","message":"Roll out?"}""";

        var waiting = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("gate", StepStatus.Waiting, asked));
        var polled = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("gate", StepStatus.Running, asked));
        var first = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("gate", StepStatus.Running, state: null));
        var decided = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("gate", StepStatus.Running, asked, signal: """{"name":"approval"}"""));
        var finished = await StoredRuns.InsertAsync(store, RunStatus.Failed, Step("gate", StepStatus.Waiting, asked));

        var rows = await store.ReadModel.UndecidedStepsAsync([waiting, polled, first, decided, finished], null, default);

        Assert.Equal(new[] { polled, waiting }.Order(), rows.Select(r => r.RunId).Order());
        Assert.All(rows, r => Assert.Equal(asked, r.State));
    }

    private static StepRow Step(string id, StepStatus status, string? state, string? signal = null) =>
        new() { StepId = id, Kind = StepKinds.Step, Status = status, Attempt = 1, StartedAt = 1, State = state, Signal = signal };
}
