using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Tests.Execution.Crash;
using Xunit.Abstractions;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// The step lease across processes (<see cref="CrashHarness"/>: 3 s leases renewed every 0.5 s, the sweeper of the
/// test process looking every second): a running step is taken over only once its lease has ended, never while its
/// holder still renews it; and a holder whose lease was taken over stops its action and applies nothing.
/// </summary>
public sealed class LeaseTakeoverTests(ITestOutputHelper output)
{
    private const string Held = """
        name: held
        steps:
          - id: work
            uses: test.record
            with: { value: held, gated: true }
        """;

    [Fact]
    public async Task ARunningStep_IsTakenOverOnlyAfterItsLeaseEnded_WhenItsServerIsKilled()
    {
        await using var h = await CrashHarness.StartAsync(new Dictionary<string, string> { ["held"] = Held });
        await File.WriteAllTextAsync(h.Gate, ""); // the action keeps working until the gate is gone
        h.StartServer();
        var id = (await h.Engine.StartRunAsync("held")).Id;
        await h.WaitForAsync([id], rs => rs[0].Steps.Single().Status == StepStatus.Running, TimeSpan.FromSeconds(90), "the step running on server 1");
        var (seq, firstLease) = await LeaseAsync(h, id);

        // Several lease lengths go by while server 1 renews the lease and this process's sweeper looks every second.
        var threeLeasesLater = firstLease + 3 * 3000;
        await UntilAsync(async () => (await LeaseAsync(h, id)).LeaseUntil > threeLeasesLater, "server 1 to renew the lease past three lease lengths");
        var (seqWhileHeld, _) = await LeaseAsync(h, id);
        Assert.Equal(seq, seqWhileHeld);
        // (Before it ran, a slow server start may have made its dispatch overdue: that recovery is not a takeover.)
        var started = (await h.Engine.Queries.GetAuditAsync(id)).Single(e => e.Kind == "step.attempt.started").Id;
        Assert.DoesNotContain(await h.Engine.Queries.GetAuditAsync(id), e => e.Id > started && e.Kind is "step.recovered" or "step.attempt.resumed");

        h.Servers[0].KillHard();
        var (_, lastLease) = await LeaseAsync(h, id); // nobody renews it any more
        h.StartServer();
        await h.WaitForAsync([id], rs => rs[0].Steps.Single().Status == StepStatus.Running && rs[0].Steps.Single().Attempts.Count == 1, TimeSpan.FromSeconds(90), "the step running again");
        await UntilAsync(async () => (await h.Engine.Queries.GetAuditAsync(id)).Any(e => e.Kind == "step.attempt.resumed"), "the attempt to be resumed");
        var audit = await h.Engine.Queries.GetAuditAsync(id);
        var recovered = audit.First(e => e.Id > started && e.Kind == "step.recovered");
        output.WriteLine($"lease of the killed server ended at {DateTimeOffset.FromUnixTimeMilliseconds(lastLease):HH:mm:ss.fff}; recovered at {recovered.At:HH:mm:ss.fff}");
        Assert.True(recovered.At.ToUnixTimeMilliseconds() >= lastLease, $"taken over at {recovered.At:HH:mm:ss.fff}, before the lease ended at {DateTimeOffset.FromUnixTimeMilliseconds(lastLease):HH:mm:ss.fff}");

        File.Delete(h.Gate);
        var done = (await h.WaitForAsync([id], rs => rs[0].Run.Status.IsTerminal(), TimeSpan.FromSeconds(90), "the run to finish"))[0];
        Assert.Equal(RunStatus.Succeeded, done.Run.Status);
        Assert.Single(done.Steps.Single().Attempts);
        Assert.Equal((true, false), h.Effect($"{id}:work")); // applied once: the killed execution never got past the gate
        h.Keep = false;
    }

    [Fact]
    public async Task AHolderPausedPastItsLease_StopsItsActionWhenItResumes_AndAppliesNothing()
    {
        await using var h = await CrashHarness.StartAsync(new Dictionary<string, string> { ["held"] = Held });
        await File.WriteAllTextAsync(h.Gate, "");
        var paused = h.StartServer();
        var id = (await h.Engine.StartRunAsync("held")).Id;
        await h.WaitForAsync([id], rs => rs[0].Steps.Single().Status == StepStatus.Running, TimeSpan.FromSeconds(90), "the step running on server 1");
        var (seq, _) = await LeaseAsync(h, id);
        h.StartServer();

        // As a long GC pause or a frozen VM would: server 1 stops renewing while its action is under way.
        await SignalAsync(paused.Id, "STOP");
        try
        {
            await UntilAsync(async () => (await h.Engine.Queries.GetAuditAsync(id)).Any(e => e.Kind == "step.attempt.resumed"), "the step to be taken over and resumed on server 2");
            Assert.True((await LeaseAsync(h, id)).Seq > seq);
        }
        finally
        {
            await SignalAsync(paused.Id, "CONT");
        }

        // Server 1 wakes up with its action still under way: it stops it before doing anything more.
        await UntilAsync(() => Task.FromResult(paused.Tail(400).Contains("stopping the action", StringComparison.Ordinal)), "server 1 to stop its action");

        File.Delete(h.Gate);
        var done = (await h.WaitForAsync([id], rs => rs[0].Run.Status.IsTerminal(), TimeSpan.FromSeconds(90), "the run to finish"))[0];
        Assert.Equal(RunStatus.Succeeded, done.Run.Status);
        Assert.Single(done.Steps.Single().Attempts);
        Assert.Equal((true, false), h.Effect($"{id}:work")); // applied once, by the execution that held the lease
        Assert.DoesNotContain(await h.Engine.Queries.GetAuditAsync(id), e => e.Kind is "step.failed" or "step.attempt.failed");
        h.Keep = false;
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<(long Seq, long LeaseUntil)> LeaseAsync(CrashHarness h, Guid id)
    {
        await using var c = new NpgsqlConnection(h.Engine.Database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT dispatch_seq, coalesce(lease_until, 0) FROM wf_steps WHERE run_id = @id AND step_id = 'work'", c);
        cmd.Parameters.AddWithValue("id", id.ToString());
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        return (r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>Waits for a condition; fails after 90 s (a hang, not a slow machine).</summary>
    private static async Task UntilAsync(Func<Task<bool>> done, string what)
    {
        var stop = DateTime.UtcNow.AddSeconds(90);
        while (!await done())
        {
            if (DateTime.UtcNow > stop)
            {
                Assert.Fail($"Waited 90 s for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
