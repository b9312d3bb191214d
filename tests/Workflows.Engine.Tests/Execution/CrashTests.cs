using Workflows.Abstractions.Runs;
using Workflows.Engine.Tests.Execution.Crash;
using Xunit.Abstractions;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// Crash recovery across processes: the engine runs in a separate server process that is killed
/// with SIGKILL while runs are mid-step and mid-wait, then a new server process is started on the
/// same database. This process only starts and reads runs. Every step's effect is recorded by the
/// test action as a file named after its idempotency key, so "exactly once" is checked on disk.
/// </summary>
[Collection(CrashServersCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string Forward = """
        name: crash
        inputs:
          sleepMs: { type: int, default: 1500 }
        steps:
          - id: a
            uses: test.record
            with: { sleepMs: "${{ inputs.sleepMs }}", value: a }
          - id: b
            needs: [a]
            uses: test.wait
            with: { polls: 10, intervalMs: 300 }
          - id: c
            needs: [b]
            uses: test.record
            with: { sleepMs: 400, value: c }
          - id: d
            needs: [b]
            uses: test.record
            with: { value: d }
          - id: e
            needs: [c, d]
            uses: test.record
            with: { value: "${{ steps.c.outputs.value }}+${{ steps.d.outputs.value }}" }
        """;

    private const string Backward = """
        name: crash-undo
        inputs:
          failAfterMs: { type: int, default: 500 }
        steps:
          - id: s1
            uses: test.record
            with: { value: one }
            compensate: { uses: test.record, with: { sleepMs: 1500, value: undo-one, gated: true } }
          - id: s2
            needs: [s1]
            uses: test.wait
            with: { polls: 3, intervalMs: 200 }
            compensate: { uses: test.wait, with: { polls: 8, intervalMs: 300 } }
          - id: s3
            needs: [s2]
            uses: test.record
            with: { sleepMs: "${{ inputs.failAfterMs }}", failHard: true, failCode: quota.exceeded }
        """;

    [Fact]
    public async Task Runs_FinishWithEachEffectExactlyOnce_WhenTheServerIsKilledMidStepAndMidWait()
    {
        await using var h = await CrashHarness.StartAsync(new Dictionary<string, string> { ["crash"] = Forward });
        h.StartServer();

        // Step a sleeps 0.8 s to 6.2 s depending on the run, so while the first runs poll in b (mid-wait),
        // the later ones are still inside a's execution (mid-step).
        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await h.Engine.StartRunAsync("crash", new { sleepMs = 800 + (i * 600) })).Id);
        }

        await KillAndRestartAsync(h, ids, "a", "b", minEach: 2);
        var runs = await h.WaitForAsync(ids, rs => rs.All(r => r.Run.Status.IsTerminal()), TimeSpan.FromMinutes(3), "every run to finish after the restart");

        var failures = new List<string>();
        foreach (var r in runs)
        {
            if (r.Run.Status != RunStatus.Succeeded)
            {
                failures.Add($"run {r.Run.Id} is {r.Run.Status}: {r.Run.Error}");
            }

            await CheckStepsAsync(h, r, failures, ("a", StepStatus.Succeeded, true), ("b", StepStatus.Succeeded, true), ("c", StepStatus.Succeeded, true), ("d", StepStatus.Succeeded, true), ("e", StepStatus.Succeeded, true));
            var b = r.Steps.Single(s => s.StepId == "b");
            if (b.Outputs?["polls"]?.GetValue<int>() != 10)
            {
                failures.Add($"{r.Run.Id}:b completed with outputs {b.Outputs?.ToJsonString()}, expected 10 polls");
            }

            var e = r.Steps.Single(s => s.StepId == "e");
            if (e.Outputs?["value"]?.GetValue<string>() != "c+d")
            {
                failures.Add($"{r.Run.Id}:e completed with outputs {e.Outputs?.ToJsonString()}, expected the join of c and d");
            }
        }

        await FinishAsync(h, ids, runs, failures, "a");
    }

    [Fact]
    public async Task Compensation_FinishesWithEachUndoExactlyOnce_WhenTheServerIsKilledMidUndoAndMidUndoWait()
    {
        await using var h = await CrashHarness.StartAsync(new Dictionary<string, string> { ["crash-undo"] = Backward });
        // Until the kill, every compensate:s1 keeps working: one seen Running cannot finish before the kill lands.
        await File.WriteAllTextAsync(h.Gate, "");
        h.StartServer();

        // s3 fails after 0.3 s to 5.2 s depending on the run; then compensate:s2 waits (2.4 s) and
        // compensate:s1 works for 1.5 s, so different runs are in different compensations at once.
        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await h.Engine.StartRunAsync("crash-undo", new { failAfterMs = 300 + (i * 700) })).Id);
        }

        await KillAndRestartAsync(h, ids, "compensate:s1", "compensate:s2", minEach: 1);
        var runs = await h.WaitForAsync(ids, rs => rs.All(r => r.Run.Status.IsTerminal()), TimeSpan.FromMinutes(3), "every run to finish after the restart");

        var failures = new List<string>();
        foreach (var r in runs)
        {
            if (r.Run.Status != RunStatus.Failed || r.Run.FailedStep != "s3")
            {
                failures.Add($"run {r.Run.Id} is {r.Run.Status} (failed step {r.Run.FailedStep}): {r.Run.Error}; expected Failed at s3 after compensation");
            }

            await CheckStepsAsync(
                h,
                r,
                failures,
                ("s1", StepStatus.Compensated, true),
                ("s2", StepStatus.Compensated, true),
                ("s3", StepStatus.Failed, false),
                ("compensate:s2", StepStatus.Succeeded, true),
                ("compensate:s1", StepStatus.Succeeded, true));
            var comps = r.Steps.Where(s => s.IsCompensation).ToList();
            if (comps.Count != 2 || comps[1].StartedAt < comps[0].FinishedAt)
            {
                failures.Add($"{r.Run.Id}: compensations [{string.Join(", ", comps.Select(c => $"{c.StepId} {c.StartedAt:HH:mm:ss.fff}-{c.FinishedAt:HH:mm:ss.fff}"))}], expected s2 undone, then s1");
            }
        }

        await FinishAsync(h, ids, runs, failures, "compensate:s1");
    }

    private static StepView? Step(RunDetail run, string id) => run.Steps.FirstOrDefault(s => s.StepId == id);

    /// <summary>Waits until some runs execute <paramref name="working"/> and others wait in <paramref name="waiting"/>, kills the server with SIGKILL and starts a new one.</summary>
    private async Task KillAndRestartAsync(CrashHarness h, List<Guid> ids, string working, string waiting, int minEach)
    {
        var atKill = await h.WaitForAsync(
            ids,
            rs => rs.Count(r => Step(r, working)?.Status == StepStatus.Running) >= minEach && rs.Count(r => Step(r, waiting)?.Status == StepStatus.Waiting) >= minEach,
            TimeSpan.FromSeconds(90),
            $"{minEach} run(s) executing {working} (Running) and {minEach} waiting in {waiting} (Waiting) while server 1 is up");
        h.Servers[0].KillHard();
        output.WriteLine($"Killed server 1 (pid {h.Servers[0].Id}) with SIGKILL; runs at that moment:");
        foreach (var r in atKill)
        {
            output.WriteLine($"  {r.Run.Id}: {r.Run.Status}; {string.Join(", ", r.Steps.Select(s => $"{s.StepId}={s.Status}"))}");
        }

        Assert.All(atKill, r => Assert.False(r.Run.Status.IsTerminal(), $"run {r.Run.Id} had already finished before the kill"));
        File.Delete(h.Gate); // gated steps finish on the next server
        h.StartServer();
    }

    /// <summary>Checks each step's final status, its single attempt, and that its effect was applied exactly once (or not at all).</summary>
    private static async Task CheckStepsAsync(CrashHarness h, RunDetail r, List<string> failures, params (string Id, StepStatus Status, bool Effect)[] expected)
    {
        var audit = await h.Engine.Queries.GetAuditAsync(r.Run.Id);
        foreach (var (id, status, effect) in expected)
        {
            var key = $"{r.Run.Id}:{id}";
            var s = Step(r, id);
            if (s is null)
            {
                failures.Add($"{key} does not exist");
                continue;
            }

            if (s.Status != status)
            {
                failures.Add($"{key} is {s.Status} ({s.ErrorCode}: {s.ErrorMessage}), expected {status}");
            }

            // No retry policy (and no failure of a compensation): a lost worker resumes the same attempt,
            // so every step has exactly one attempt, started once.
            var final = status == StepStatus.Failed ? AttemptStatus.Failed : AttemptStatus.Succeeded;
            if (s.Attempts.Count != 1 || s.Attempts[0].Status != final)
            {
                failures.Add($"{key} has attempts [{string.Join(", ", s.Attempts.Select(a => $"#{a.Number} {a.Status} {a.ErrorCode}"))}], expected one that ended {final}");
            }

            var started = audit.Count(a => a.Kind == "step.attempt.started" && a.StepId == id);
            if (started != 1)
            {
                failures.Add($"{key}: {started} step.attempt.started events, expected 1");
            }

            var (applied, adopted) = h.Effect(key);
            if (applied != effect)
            {
                failures.Add(effect ? $"{key}: its effect was never applied" : $"{key}: an effect was applied although the step failed before applying one");
            }

            // At-least-once execution may apply an effect again (the action adopts it); only a worker lost mid-step may cause that.
            if (adopted && !audit.Any(a => a.StepId == id && a.Kind is "step.attempt.resumed" or "step.recovered"))
            {
                failures.Add($"{key}: executed again after applying its effect although the audit shows no lost worker");
            }
        }
    }

    /// <summary>Checks that no effect exists under an unknown key and that the kill interrupted a running <paramref name="resumedStep"/>; reports every failure at once.</summary>
    private async Task FinishAsync(CrashHarness h, List<Guid> ids, List<RunDetail> runs, List<string> failures, string resumedStep)
    {
        var known = ids.Select(id => id.ToString()).ToHashSet(StringComparer.Ordinal);
        failures.AddRange(h.EffectKeys().Where(k => !known.Contains(k.Split(':')[0])).Select(k => $"unexpected effect {k}"));

        var resumed = new List<string>();
        foreach (var id in ids)
        {
            resumed.AddRange((await h.Engine.Queries.GetAuditAsync(id)).Where(e => e.Kind == "step.attempt.resumed").Select(e => $"{id}:{e.StepId}"));
        }

        if (!resumed.Any(r => r.EndsWith(":" + resumedStep, StringComparison.Ordinal)))
        {
            failures.Add($"no step.attempt.resumed for {resumedStep} in any audit: the kill did not interrupt a running {resumedStep}");
        }

        var adopted = h.AdoptedKeys();
        output.WriteLine($"Resumed after the kill: {string.Join(", ", resumed)}");
        output.WriteLine($"Effects applied again and adopted (at-least-once): {(adopted.Count == 0 ? "none" : string.Join(", ", adopted))}");
        if (failures.Count > 0)
        {
            output.WriteLine($"Server logs and effects kept in {h.Work}");
            Assert.Fail($"{failures.Count} problem(s) after the crash:\n  {string.Join("\n  ", failures)}\n{await h.DiagnoseAsync(runs.Where(r => failures.Any(f => f.Contains(r.Run.Id.ToString(), StringComparison.Ordinal))))}");
        }

        h.Keep = false;
    }
}
