using CsCheck;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Machine;

/// <summary>
/// Random sequences of events driven through the machine — jobs arriving (early, stale, duplicated), results
/// (ok, failed, retryable failure, pending), crashes that lose a worker and the sweeper that finds it, cancels,
/// retries from the failed steps, approvals, time passing — with the machine's invariants checked after every
/// transaction.
/// </summary>
public class MachineProperties
{
    private const string Workflow = """
        - id: a
          uses: test.record
          retry: { attempts: 2, initialDelay: 1s, jitter: 0.5 }
          compensate: { uses: test.undo }
        - id: b
          uses: test.poll
          needs: [a]
          retry: { attempts: 2, initialDelay: 2s }
          compensate: { uses: test.undo, retry: { attempts: 2, initialDelay: 1s } }
        - id: c
          uses: test.wait
          needs: [a]
          compensate: { uses: test.undo }
        - id: d
          uses: test.record
          needs: [b, c]
        """;

    [Fact]
    public void RandomEventSequences_KeepTheInvariants()
    {
        Gen.Int[0, 999].Array[1, 60].Sample(events => new Simulation(MachineHarness.Create(Workflow)).Play(events), iter: 400);
    }

    [Fact]
    public void RandomEventSequences_KeepTheInvariants_OnHoldToo()
    {
        Gen.Int[0, 999].Array[1, 40].Sample(events => new Simulation(MachineHarness.Create(Workflow, "onFailure: hold\n")).Play(events), iter: 150);
    }

    /// <summary>One run, its queue of jobs, the executions in flight, and what the invariants need to remember.</summary>
    private sealed class Simulation
    {
        private readonly MachineHarness h;
        private readonly List<Dispatch> jobs = [];
        private readonly List<(string Step, long Seq, bool Claimed)> inFlight = [];
        private readonly HashSet<string> started = new(StringComparer.Ordinal);
        private bool cancelRequested;

        public Simulation(MachineHarness harness)
        {
            h = harness;
            h.Observer = Check;
        }

        public void Play(int[] events)
        {
            Collect(h.Begin());
            foreach (var x in events)
            {
                var arg = x / 10;
                switch (x % 10)
                {
                    case 0 or 1:
                        Deliver(arg);
                        break;
                    case 2 or 3 or 4:
                        Finish(arg);
                        break;
                    case 5:
                        Crash(arg);
                        break;
                    case 6:
                        Sweep();
                        break;
                    case 7:
                        if (!h.Run.Status.IsTerminal())
                        {
                            cancelRequested = true;
                            Collect(h.Cancel());
                        }

                        break;
                    case 8:
                        if (h.Run.Status is RunStatus.Failed or RunStatus.Cancelled)
                        {
                            // A compensated step was undone: it has not started in the new round. A failed or
                            // cancelled one may have left something behind, so it still counts as started.
                            started.ExceptWith(h.Steps.Where(s => s.Kind == StepKinds.Step && s.Status == StepStatus.Compensated).Select(s => s.StepId));
                            cancelRequested = false;
                            Collect(h.Retry());
                        }

                        break;
                    default:
                        if (arg < 50)
                        {
                            Approve(arg);
                        }
                        else
                        {
                            h.Time.Advance(TimeSpan.FromMilliseconds(arg * 100));
                        }

                        break;
                }
            }
        }

        private void Deliver(int arg)
        {
            if (jobs.Count == 0)
            {
                return;
            }

            var job = jobs[arg % jobs.Count];
            if (arg % 4 != 0)
            {
                jobs.Remove(job); // else it stays queued: Hangfire may run a job twice
            }

            var admission = Admission.Decide(h.Run, h.FindStep(job.StepId), job.Seq, h.Machine.Now);
            if (admission.Kind == AdmissionKind.Early)
            {
                h.Time.Advance(admission.Delay); // the job waits until it is due
                admission = Admission.Decide(h.Run, h.FindStep(job.StepId), job.Seq, h.Machine.Now);
            }

            switch (admission.Kind)
            {
                case AdmissionKind.Poll:
                    inFlight.Add((job.StepId, job.Seq, false));
                    break;
                case AdmissionKind.Claimed:
                    if (h.Claim(job.StepId, job.Seq))
                    {
                        inFlight.Add((job.StepId, job.Seq, true));
                    }

                    Collect(h.Tx);
                    break;
            }
        }

        private void Finish(int arg)
        {
            if (inFlight.Count == 0)
            {
                return;
            }

            var e = inFlight[arg % inFlight.Count];
            inFlight.Remove(e);
            StepResult result = (arg / 3 % 4) switch
            {
                0 => StepResult.Completed(new { done = true }),
                1 => StepResult.Failed("x.bad", "refused", retryable: false),
                2 => StepResult.Failed("x.flaky", "no answer", retryable: true),
                _ => StepResult.Pending("working", new { at = arg }),
            };
            h.Apply(e.Step, result, e.Seq, allowInline: arg % 2 == 1);
            Collect(h.Tx);
        }

        private void Crash(int arg)
        {
            if (inFlight.Count > 0)
            {
                inFlight.RemoveAt(arg % inFlight.Count); // the worker is gone; its lease runs out
            }
        }

        private void Sweep()
        {
            // Live workers renew their leases (the heartbeat); then the clock passes every lease and grace.
            h.Time.Advance(MachineHarness.Options.LeaseDuration + MachineHarness.Options.DispatchGrace + TimeSpan.FromSeconds(1));
            foreach (var (step, seq, _) in inFlight)
            {
                if (h.FindStep(step) is { Status: StepStatus.Running } row && row.DispatchSeq == seq)
                {
                    row.LeaseUntil = h.Machine.Now + (long)MachineHarness.Options.LeaseDuration.TotalMilliseconds;
                }
            }

            foreach (var id in h.Steps.Select(s => s.StepId).ToList())
            {
                if (h.Recover(id))
                {
                    Collect(h.Tx);
                }
            }

            // The sweeper's idle-run kick.
            if (h.Run.Status is RunStatus.Running or RunStatus.Cancelling or RunStatus.Compensating && !h.Steps.Any(s => s.Status.IsActive()))
            {
                Collect(h.Do(t => h.Machine.Advance(t, h.Def, allowInline: false)));
            }
        }

        private void Approve(int arg)
        {
            // What RunCommands.DecideAsync allows: a waiting or running step of a running run, not decided yet.
            var candidates = h.Steps.Where(s => s.Kind == StepKinds.Step && s.Signal is null && s.Status is StepStatus.Waiting or StepStatus.Running).ToList();
            if (h.Run.Status == RunStatus.Running && candidates.Count > 0)
            {
                Collect(h.Signal(candidates[arg % candidates.Count].StepId));
            }
        }

        private void Collect(RunTx tx)
        {
            jobs.AddRange(tx.Dispatches);
            if (tx.InlineNext is { } next)
            {
                inFlight.Add((next.StepId, next.DispatchSeq, true));
            }
        }

        private void Check(Snapshot before, RunTx tx)
        {
            // Terminal states absorb: only a retry (an operator's command) leaves one.
            if (before.Run.IsTerminal() && !tx.Audit.Any(a => a.Kind == "run.retried"))
            {
                Assert.Equal(before.Run, h.Run.Status);
                Assert.Empty(tx.Dispatches);
                Assert.Null(tx.InlineNext);
                Assert.All(h.Steps, s => Assert.Equal(before.Steps.GetValueOrDefault(s.StepId, s.Status), s.Status));
            }

            // Never two live attempts of one step.
            foreach (var group in h.Attempts.Where(a => a.Status == AttemptStatus.Running).GroupBy(a => a.StepId))
            {
                var row = h.Step(group.Key);
                Assert.True(group.Count() == 1, $"step {group.Key} has {group.Count()} running attempts");
                Assert.True(group.Single().Number == row.Attempt, $"step {group.Key}: attempt {group.Single().Number} still running, but the step is at attempt {row.Attempt}");
            }

            foreach (var s in h.Steps)
            {
                var live = inFlight.Count(e => e.Claimed && e.Step == s.StepId && e.Seq == s.DispatchSeq && s.Status == StepStatus.Running);
                Assert.True(live <= 1, $"step {s.StepId} has {live} live executions");
            }

            // A cancelled run never starts a new step.
            var startedNow = tx.Audit.Where(a => a.Kind is "step.attempt.started" or "step.attempt.resumed").Select(a => h.Step(a.StepId!)).ToList();
            if (cancelRequested)
            {
                Assert.DoesNotContain(startedNow, s => s.Kind == StepKinds.Step);
            }

            started.UnionWith(startedNow.Where(s => s.Kind == StepKinds.Step).Select(s => s.StepId));

            // Compensation: only for steps that started (and were not undone since), in reverse order of their start, one at a time.
            var comps = h.Steps.Where(s => s.Kind == StepKinds.Compensation).OrderBy(s => s.Position).ToList();
            if (tx.Audit.Any(a => a.Kind == "run.compensating"))
            {
                var round = comps.Where(c => c.Status is StepStatus.Pending || c.IsDirty).Select(c => h.Step(c.StepId[StepKinds.CompensationPrefix.Length..])).ToList();
                Assert.All(round, t => Assert.True(started.Contains(t.StepId), $"step {t.StepId} is compensated but did not start since it was last undone"));
                Assert.Equal(round.OrderByDescending(t => t.StartOrder).Select(t => t.StepId), round.Select(t => t.StepId));
            }

            Assert.True(comps.Count(c => c.Status.IsActive()) <= 1, "two compensations at once");
            foreach (var c in startedNow.Where(s => s.Kind == StepKinds.Compensation))
            {
                Assert.All(comps.Where(o => o.Position < c.Position), o => Assert.True(o.Status.IsTerminal(), $"{c.StepId} started before {o.StepId} ({o.Status}) finished"));
            }

            // Every state change has its audit event.
            if (h.Run.Status != before.Run)
            {
                // A run starts stopping on a step's failure: that step's event is the run's.
                Assert.Contains(tx.Audit, a => (a.Kind.StartsWith("run.", StringComparison.Ordinal) && a.StepId is null) || (h.Run.Status == RunStatus.Cancelling && a.Kind == "step.failed"));
            }

            foreach (var s in h.Steps)
            {
                var was = before.Steps.TryGetValue(s.StepId, out var b) ? b : (StepStatus?)null;
                if (was == s.Status || s.Status is StepStatus.Pending or StepStatus.Scheduled)
                {
                    continue; // a dispatch (Pending → Scheduled) or a reset; the run's event tells why
                }

                if (was == StepStatus.Pending && s.Status == StepStatus.Cancelled)
                {
                    Assert.NotEmpty(tx.Audit); // never started: the run's event (cancel, failure) tells why
                    continue;
                }

                Assert.True(tx.Audit.Any(a => a.StepId == s.StepId), $"step {s.StepId} went {was} → {s.Status} without an audit event ({string.Join(", ", tx.Audit.Select(a => a.Kind))})");
            }
        }
    }
}
