using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>Runs written straight through <see cref="RunStore"/> for the storage tests (no engine, no Hangfire).</summary>
internal static class StoredRuns
{
    /// <summary>
    /// Inserts a run of workflow <c>w</c> with <paramref name="steps"/> (their run id and position are set here) through the
    /// store, which writes every derived column (wf_runs.steps_active, the count of Running runs) as each commit does.
    /// </summary>
    public static async Task<string> InsertAsync(RunStore store, RunStatus status, params StepRow[] steps)
    {
        var id = Guid.NewGuid().ToString();
        var run = new RunRow { Id = id, Workflow = "w", Version = "v", Status = status, TriggerKind = "Api", TriggerActor = "test", CreatedAt = 1, UpdatedAt = 1 };
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i].RunId = id;
            steps[i].Position = i;
        }

        await store.InsertRunAsync(run, steps, [new AuditRow { RunId = id, At = 1, Kind = "run.created", Actor = "test", Message = "created" }], (_, _) => { }, default);
        return id;
    }
}
