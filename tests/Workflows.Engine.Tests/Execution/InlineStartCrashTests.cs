using Dapper;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Tests.Execution.Crash;
using Xunit.Abstractions;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// A run started on a server with a free worker runs its first step there without a Hangfire job (claimed in the start
/// transaction); killing that server while the step runs leaves it Running on its lease, and another server resumes it
/// exactly once. The runs are started by the server process itself (<c>WF_TEST_START_RUNS</c>), as its API would.
/// </summary>
[Collection(CrashServersCollection.Name)]
public sealed class InlineStartCrashTests(ITestOutputHelper output)
{
    private const string First = """
        name: first
        steps:
          - id: work
            uses: test.record
            with: { value: first, gated: true }
          - id: after
            needs: [work]
            uses: test.record
            with: { value: "${{ steps.work.outputs.value }}-after" }
        """;

    [Fact]
    public async Task AFirstStepRunWithoutAJob_IsResumedExactlyOnce_WhenTheServerThatStartedItIsKilled()
    {
        await using var h = await CrashHarness.StartAsync(new Dictionary<string, string> { ["first"] = First });
        await File.WriteAllTextAsync(h.Gate, ""); // the first steps keep working until the gate is gone
        var startedFile = Path.Combine(h.Work, "started");
        h.StartServer(new Dictionary<string, string> { ["WF_TEST_START_RUNS"] = "first:3", ["WF_TEST_STARTED"] = startedFile });
        await UntilAsync(() => Task.FromResult(File.Exists(startedFile)), "server 1 to start its runs", h);
        var ids = (await File.ReadAllLinesAsync(startedFile)).Select(Guid.Parse).ToList();
        Assert.Equal(3, ids.Count);

        await h.WaitForAsync(ids, rs => rs.All(r => r.Steps.Single(s => s.StepId == "work").Status == StepStatus.Running), TimeSpan.FromSeconds(90), "every first step running on server 1");
        foreach (var id in ids)
        {
            // Claimed by the start itself: no job was created for it. A job appears before the kill only if server 1's
            // 3 s lease ran out on a loaded machine and a sweep dispatched the step again; that recovery is committed (and
            // audited) before its job is created, so the audit read after the jobs shows it.
            var jobs = await JobsOfAsync(h, id);
            var recovered = (await h.Engine.Queries.GetAuditAsync(id)).Count(a => a.StepId == "work" && a.Kind == "step.recovered");
            Assert.True(jobs == 0 || recovered > 0, $"run {id} has {jobs} Hangfire job(s) although its first step was never recovered: the start created one");
        }

        h.Servers[0].KillHard();
        File.Delete(h.Gate);
        h.StartServer();
        var runs = await h.WaitForAsync(ids, rs => rs.All(r => r.Run.Status.IsTerminal()), TimeSpan.FromMinutes(2), "every run to finish on server 2");

        foreach (var r in runs)
        {
            var id = r.Run.Id;
            Assert.True(r.Run.Status == RunStatus.Succeeded, $"run {id} is {r.Run.Status}: {r.Run.Error}");
            var work = r.Steps.Single(s => s.StepId == "work");
            Assert.Single(work.Attempts); // the same attempt, resumed
            Assert.Equal("first-after", r.Steps.Single(s => s.StepId == "after").Outputs?["value"]?.GetValue<string>());
            var audit = await h.Engine.Queries.GetAuditAsync(id);
            output.WriteLine($"{id}: {string.Join(", ", audit.Where(a => a.StepId == "work").Select(a => a.Kind))}");
            Assert.Single(audit, a => a.StepId == "work" && a.Kind == "step.attempt.started");
            Assert.Contains(audit, a => a.StepId == "work" && a.Kind == "step.attempt.resumed");

            // Recovered when its lease ended (and maybe again as overdue while server 2 was still starting: a cold start
            // can outlast the dispatch grace).
            var lost = audit.Count(a => a.StepId == "work" && a.Kind == "step.recovered" && a.Message.Contains("lost its worker", StringComparison.Ordinal));
            Assert.True(lost >= 1, $"{id}:work was never recovered from the killed server");

            // Applied by the resumed execution: the killed one never got past the gate. Applied again (and adopted) only if
            // the resumed execution lost its worker too (at-least-once: a 3 s lease on a loaded machine can run out).
            var (applied, adopted) = h.Effect($"{id}:work");
            Assert.True(applied, $"{id}:work: its effect was never applied");
            Assert.True(!adopted || lost >= 2, $"{id}:work: applied twice although only the killed server lost it");
            Assert.True(h.Effect($"{id}:after").Applied);
        }

        Assert.Equal(6, h.EffectKeys().Count);
        h.Keep = false;
    }

    /// <summary>How many Hangfire jobs (of any state) carry <paramref name="runId"/>.</summary>
    private static async Task<long> JobsOfAsync(CrashHarness h, Guid runId)
    {
        await using var c = new NpgsqlConnection(h.Engine.Database);
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE arguments::text LIKE @pattern", new { pattern = $"%{runId}%" });
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, CrashHarness h)
    {
        var stop = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > stop || h.Servers[^1].HasExited)
            {
                throw new Xunit.Sdk.XunitException($"Gave up waiting for {what}.\n{h.Servers[^1].Tail(40)}");
            }

            await Task.Delay(100);
        }
    }
}
