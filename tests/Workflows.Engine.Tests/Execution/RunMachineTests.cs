using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

/// <summary>The state machine in memory, on a fake clock: poll schedules, failure logs, and which steps are compensated.</summary>
public class RunMachineTests
{
    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("test.undo", typeof(UndoAction), typeof(UndoInputs), null),
        new("test.wait", typeof(WaitAction), typeof(WaitInputs), null),
        new("test.poll", typeof(PollAction), typeof(PollInputs), null, null, new PollSchedule(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10))),
    ];

    [Fact]
    public void Apply_PollsOnTheActionsSchedule_DoublingUpToItsCap()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.poll
            """);

        var delays = h.Wait("w", 7, () => StepResult.Pending("building"));

        Assert.Equal([1, 2, 4, 8, 10, 10, 10], delays.Select(d => d.TotalSeconds));
        Assert.Contains(h.Tx.Audit, a => a.Kind == "step.waiting" && a.Message.EndsWith("(polling 1s, ×2 up to 10s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_PollsOnTheStepsSchedule_WhenTheStepSetsPoll()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.poll
              poll: { initial: 500ms, factor: 3, max: 5s }
            """);

        var delays = h.Wait("w", 5, () => StepResult.Pending("building"));

        Assert.Equal([500, 1500, 4500, 5000, 5000], delays.Select(d => d.TotalMilliseconds));
    }

    [Fact]
    public void Apply_PollsOnTheDefaultSchedule_WhenNeitherStepNorActionHasOne()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.wait
            """);

        var delays = h.Wait("w", 7, () => StepResult.Pending("waiting"));

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void Apply_PollsWhenTheActionAsks_WhateverTheStepsSchedule()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.poll
              poll: 2s
            """);

        var delays = h.Wait("w", 3, () => StepResult.Pending(TimeSpan.FromSeconds(7), "timer"));

        Assert.Equal([7, 7, 7], delays.Select(d => d.TotalSeconds));
        Assert.Contains(h.Tx.Audit, a => a.Kind == "step.waiting" && a.Message.EndsWith("(next check in 7s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_CapsTheScheduleAtTheStepsDeadline()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.poll
              timeout: 5s
            """);

        var delays = h.Wait("w", 3, () => StepResult.Pending("building"));

        Assert.Equal([1, 2, 2], delays.Select(d => d.TotalSeconds)); // 1 + 2 + 2 = the 5 s deadline
    }

    [Fact]
    public void Apply_StartsTheScheduleAgain_OnANewAttempt()
    {
        var h = Harness.Start("""
            - id: w
              uses: test.poll
              retry: { attempts: 2, initialDelay: 1s, jitter: 0 }
            """);
        h.Wait("w", 3, () => StepResult.Pending("building"));
        h.Apply("w", StepResult.Failed("test.failure", "went wrong"));
        h.Time.Advance(h.DelayOf("w"));
        h.Claim("w");

        var delays = h.Wait("w", 2, () => StepResult.Pending("building"));

        Assert.Equal([1, 2], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void StartAttempt_KeepsTheInputsItEvaluatedOnTheRow_ForTheJobThatExecutesTheAttempt()
    {
        var h = Harness.Start("""
            - id: a
              uses: test.record
              with: { value: first }
            - id: b
              uses: test.record
              needs: [a]
              with: { value: "${{ steps.a.outputs.value }}-then" }
            """);
        var a = h.Tx.Step("a")!;
        Assert.Equal((1, "first"), (a.Prepared!.Attempt, (string?)a.Prepared.Evaluated["value"]));

        // The next step, started inline by the transition that applies the result, over the outputs just stored.
        h.Apply("a", StepResult.Completed(new { value = "one" }));

        var b = h.Tx.Step("b")!;
        Assert.Equal(StepStatus.Running, b.Status);
        Assert.Same(b, h.Tx.InlineNext);
        Assert.Equal((1, "one-then"), (b.Prepared!.Attempt, (string?)b.Prepared.Evaluated["value"]));
        Assert.Contains(h.Tx.NewAttempts, x => x.StepId == "b" && x.Inputs == """{"value":"one-then"}""");
    }

    [Fact]
    public void Apply_LogsEachFailedAttempt_WithItsReasonAndWhetherItIsRetried()
    {
        var h = Harness.Start("""
            - id: cluster
              uses: test.record
              retry: { attempts: 2, initialDelay: 4s, jitter: 0 }
            """);
        const string Reason = "magnum POST /v1/clusters returned 400 BadRequest: Cluster type (vm, ubuntu, kubernetes) not supported (request req-4711)";

        h.Apply("cluster", StepResult.Failed("openstack.http", Reason, retryable: true));
        h.Time.Advance(TimeSpan.FromSeconds(4));
        h.Claim("cluster");
        h.Apply("cluster", StepResult.Failed("openstack.http", Reason, retryable: true));

        var lines = h.Tx.Logs.Where(l => l.StepId == "cluster").Select(l => l.Text).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal($"Step 'cluster' attempt 1/2 failed: [openstack.http] {Reason}; retrying in 4s (attempt 2/2 at 00:00:04 UTC)\n", lines[0]);
        Assert.Equal($"Step 'cluster' attempt 2/2 failed: [openstack.http] {Reason}; not retried: no attempts left (2)\n", lines[1]);
    }

    [Fact]
    public void Apply_NamesTheStepOnceInTheRunsError_WhenTheMessageAlreadyNamesIt()
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
            """);

        h.Apply("server", StepResult.Failed("timeout", "Step 'server' reached its deadline while running", retryable: false));

        Assert.Equal("Step 'server' reached its deadline while running", h.Tx.Run.Error);
    }

    [Fact]
    public void Fail_SkipsCompensation_OfAStepThatFailedBeforeCreatingAnything()
    {
        var h = Harness.Start("""
            - id: cluster
              uses: test.record
              compensate: { uses: test.undo }
            """);

        h.Apply("cluster", StepResult.Failed("openstack.config", "Cloud 'peer' is not configured", retryable: false));

        Assert.Equal(RunStatus.Failed, h.Tx.Run.Status);
        Assert.DoesNotContain(h.Tx.Steps, s => s.Kind == StepKinds.Compensation);
        Assert.Equal("Step 'cluster' failed: Cloud 'peer' is not configured", h.Tx.Run.Error);
        var skipped = Assert.Single(h.Tx.Audit, a => a.Kind == "step.compensation.skipped");
        Assert.Contains("nothing to undo: step 'cluster' created nothing", skipped.Message, StringComparison.Ordinal);
        Assert.Contains(h.Tx.Logs, l => l.StepId == "cluster" && l.Text.Contains("Compensation of 'cluster' skipped: nothing to undo", StringComparison.Ordinal));
    }

    [Fact]
    public void Fail_Compensates_AStepTheLedgerHasRecordsOf()
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
              compensate: { uses: test.undo }
            """);
        h.Ledger.Add(new ResourceRow { RunId = h.Tx.Run.Id, StepId = "server", Kind = "nova.server", ExternalId = "abc", Provider = "peer" });

        h.Apply("server", StepResult.Failed("nova.fault", "the server went to ERROR", retryable: false));

        Assert.Equal(RunStatus.Compensating, h.Tx.Run.Status);
        Assert.Equal(StepStatus.Running, h.Tx.Step("compensate:server")!.Status);
    }

    [Fact]
    public void Fail_Compensates_AStepThatSavedState()
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
              compensate: { uses: test.undo }
            """);
        h.Apply("server", StepResult.Pending("BUILD", new { serverId = "abc" }));
        h.Time.Advance(h.DelayOf("server"));

        h.Apply("server", StepResult.Failed("nova.fault", "the server went to ERROR", retryable: false));

        Assert.Equal(RunStatus.Compensating, h.Tx.Run.Status);
    }

    [Theory]
    [InlineData("openstack.unreachable", true)] // a create that timed out may have happened
    [InlineData("error", false)] // an exception cut the action short
    [InlineData("cancelled", false)] // the run was cancelled while the action ran
    public void Fail_Compensates_AStepWhoseOutcomeIsUnknown(string code, bool retryable)
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
              compensate: { uses: test.undo }
            """);

        h.Apply("server", StepResult.Failed(code, "no answer", retryable));

        Assert.Equal(RunStatus.Compensating, h.Tx.Run.Status);
        Assert.DoesNotContain(h.Tx.Audit, a => a.Kind == "step.compensation.skipped");
    }

    [Fact]
    public void CompensationFailure_NamesWhatTheLedgerListsAsStillAlive()
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
              compensate: { uses: test.undo }
            """);
        h.Ledger.Add(new ResourceRow { RunId = h.Tx.Run.Id, StepId = "server", Kind = "nova.server", ExternalId = "abc", Name = "vm1", Provider = "peer" });
        h.Ledger.Add(new ResourceRow { RunId = h.Tx.Run.Id, StepId = "server", Kind = "neutron.port", ExternalId = "p1", Provider = "peer", DeletedAt = 1 });
        h.Apply("server", StepResult.Failed("nova.fault", "the server went to ERROR", retryable: false));

        h.Apply("compensate:server", StepResult.Failed("openstack.auth", "Keystone rejected the credentials", retryable: false));

        Assert.Equal(RunStatus.Failed, h.Tx.Run.Status);
        Assert.Equal(
            "Step 'server' failed: the server went to ERROR; compensation of 'server' failed: Keystone rejected the credentials; the ledger lists 1 resource of this step still alive: nova.server abc (vm1) on peer",
            h.Tx.Run.Error);
        Assert.Contains(h.Tx.Logs, l => l.StepId == "compensate:server" && l.Text.StartsWith("Step 'compensate:server' attempt 1/3 failed: [openstack.auth]", StringComparison.Ordinal));
    }

    [Fact]
    public void CompensationFailure_SaysTheLedgerListsNothing_WhenItDoesNot()
    {
        var h = Harness.Start("""
            - id: server
              uses: test.record
              compensate: { uses: test.undo, retry: { attempts: 1 } }
            """);
        h.Apply("server", StepResult.Failed("openstack.unreachable", "no answer", retryable: true));

        h.Apply("compensate:server", StepResult.Failed("openstack.config", "Cloud 'peer' is not configured", retryable: false));

        Assert.EndsWith("compensation of 'server' failed: Cloud 'peer' is not configured; the ledger lists no resource of this step", h.Tx.Run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("check the resource ledger", h.Tx.Run.Error, StringComparison.Ordinal);
    }

    /// <summary>One run of a one-workflow definition, driven by hand through the machine.</summary>
    private sealed class Harness
    {
        private Harness(FakeTimeProvider time, RunMachine machine, WorkflowDefinition def, RunTx tx, List<ResourceRow> ledger)
        {
            Time = time;
            Machine = machine;
            Def = def;
            Tx = tx;
            Ledger = ledger;
        }

        public FakeTimeProvider Time { get; }

        public RunMachine Machine { get; }

        public WorkflowDefinition Def { get; }

        /// <summary>Gets the run; one transaction that collects every audit event, log line and dispatch.</summary>
        public RunTx Tx { get; }

        /// <summary>Gets the ledger the run sees (add rows to play what the actions recorded).</summary>
        public List<ResourceRow> Ledger { get; }

        /// <summary>Parses the steps, begins the run and claims the first step.</summary>
        public static Harness Start(string steps)
        {
            var yaml = "name: m\nsteps:\n" + string.Join('\n', steps.Split('\n').Select(l => "  " + l));
            var parsed = new DefinitionParser(Actions).Parse("workflows/m.yaml", yaml);
            Assert.True(parsed.Definition is not null, string.Join("; ", parsed.Errors.Select(e => e.ToString())));
            var def = parsed.Definition!;
            var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
            var machine = new RunMachine(new EngineOptions(), time, new SecretCodec(new byte[32]), Actions);
            var run = new RunRow { Id = Guid.NewGuid().ToString(), Workflow = def.Name, Version = def.Version, Status = RunStatus.Queued, TriggerKind = "Api", TriggerActor = "tester" };
            var rows = def.Steps.Select((s, i) => new StepRow { RunId = run.Id, StepId = s.Id, Position = i, Status = StepStatus.Pending }).ToList();
            var ledger = new List<ResourceRow>();
            var h = new Harness(time, machine, def, new RunTx(run, rows, ledger), ledger);
            machine.Begin(h.Tx, def, "started by the test");
            h.Claim(def.Steps[0].Id);
            return h;
        }

        /// <summary>Claims the step's latest dispatch, as its job does.</summary>
        public void Claim(string stepId)
        {
            var row = Tx.Step(stepId)!;
            Assert.True(Machine.Claim(Tx, Def, stepId, row.DispatchSeq), $"step {stepId} could not be claimed ({row.Status})");
        }

        /// <summary>Applies what the action returned to the step's current dispatch.</summary>
        public void Apply(string stepId, StepResult result)
        {
            var row = Tx.Step(stepId)!;
            Assert.True(Machine.Apply(Tx, Def, stepId, row.DispatchSeq, result, allowInline: true), $"result for {stepId} was discarded ({row.Status})");
        }

        /// <summary>Gets how long from now until the step's next dispatch is due.</summary>
        public TimeSpan DelayOf(string stepId) => TimeSpan.FromMilliseconds((Tx.Step(stepId)!.NextPollAt ?? Machine.Now) - Machine.Now);

        /// <summary>Lets the step wait <paramref name="times"/> times, advancing the clock to each poll; returns each delay the machine chose.</summary>
        public List<TimeSpan> Wait(string stepId, int times, Func<StepResult> result)
        {
            var delays = new List<TimeSpan>();
            for (var i = 0; i < times; i++)
            {
                Apply(stepId, result());
                var delay = DelayOf(stepId);
                delays.Add(delay);
                Time.Advance(delay);
            }

            return delays;
        }
    }
}
