using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Machine;

/// <summary>
/// One run driven through the state machine in memory, on a fake clock and a fixed jitter: each call is one
/// transaction (a fresh <see cref="RunTx"/> over the same rows), committed the way the store commits it.
/// </summary>
internal sealed class MachineHarness
{
    public static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("test.undo", typeof(UndoAction), typeof(UndoInputs), null),
        new("test.wait", typeof(WaitAction), typeof(WaitInputs), null),
        new("test.poll", typeof(PollAction), typeof(PollInputs), null, null, new PollSchedule(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10))),
    ];

    private MachineHarness(WorkflowDefinition def, FixedJitter jitter)
    {
        Def = def;
        Jitter = jitter;
        Machine = new RunMachine(Options, Time, new SecretCodec(new byte[32]), Actions, jitter);
        Run = new RunRow { Id = Guid.NewGuid().ToString(), Workflow = def.Name, Version = def.Version, Status = RunStatus.Queued, TriggerKind = "Api", TriggerActor = "tester", ConcurrencyKey = def.Concurrency };
        Steps = def.Steps.Select((s, i) => new StepRow { RunId = Run.Id, StepId = s.Id, Position = i, Status = StepStatus.Pending }).ToList();
        Tx = new RunTx(Run, Steps, Ledger);
    }

    public static EngineOptions Options { get; } = new();

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UnixEpoch);

    public FixedJitter Jitter { get; }

    public RunMachine Machine { get; }

    public WorkflowDefinition Def { get; }

    public RunRow Run { get; }

    public List<StepRow> Steps { get; }

    /// <summary>Gets the ledger the run sees (add rows to play what the actions recorded).</summary>
    public List<ResourceRow> Ledger { get; } = [];

    /// <summary>Gets the last transaction.</summary>
    public RunTx Tx { get; private set; }

    /// <summary>Gets every audit event committed so far, in order.</summary>
    public List<AuditRow> Journal { get; } = [];

    /// <summary>Gets or sets what sees every transaction with the statuses before it (the property test's invariants).</summary>
    public Action<Snapshot, RunTx>? Observer { get; set; }

    /// <summary>Gets every attempt row committed so far, as the table holds them.</summary>
    public List<AttemptRow> Attempts { get; } = [];

    /// <summary>Parses a workflow of the given steps (indented YAML list items under <c>steps:</c>) and optional top-level lines.</summary>
    public static MachineHarness Create(string steps, string top = "", double jitter = 0.5)
    {
        var yaml = "name: m\n" + top + (top.Length > 0 && !top.EndsWith('\n') ? "\n" : "") + "steps:\n" + string.Join('\n', steps.Split('\n').Select(l => "  " + l));
        var parsed = new DefinitionParser(Actions).Parse("workflows/m.yaml", yaml);
        Assert.True(parsed.Definition is not null, string.Join("; ", parsed.Errors.Select(e => e.ToString())));
        return new MachineHarness(parsed.Definition!, new FixedJitter(jitter));
    }

    /// <summary>Creates the run and begins it (its first steps are dispatched).</summary>
    public static MachineHarness Begun(string steps, string top = "")
    {
        var h = Create(steps, top);
        h.Begin();
        return h;
    }

    public StepRow Step(string id) => Steps.First(s => s.StepId == id);

    public StepRow? FindStep(string id) => Steps.FirstOrDefault(s => s.StepId == id);

    /// <summary>Runs one transition in its own transaction and commits it; returns the transaction.</summary>
    public RunTx Do(Action<RunTx> transition)
    {
        ClearDirty();
        var before = new Snapshot(Run.Status, Steps.ToDictionary(s => s.StepId, s => s.Status));
        var tx = new RunTx(Run, Steps, Ledger);
        transition(tx);
        Commit(tx);
        Tx = tx;
        Observer?.Invoke(before, tx);
        return tx;
    }

    public RunTx Begin() => Do(t => Machine.Begin(t, Def, "started by the test"));

    /// <summary>Claims the step for the job carrying <paramref name="seq"/> (the latest dispatch by default).</summary>
    public bool Claim(string stepId, long? seq = null)
    {
        var claimed = false;
        Do(t => claimed = Machine.Claim(t, Def, stepId, seq ?? Step(stepId).DispatchSeq));
        return claimed;
    }

    /// <summary>Applies an action's result to the step's dispatch <paramref name="seq"/> (the latest by default).</summary>
    public bool Apply(string stepId, StepResult result, long? seq = null, bool allowInline = false)
    {
        var applied = false;
        Do(t => applied = Machine.Apply(t, Def, stepId, seq ?? Step(stepId).DispatchSeq, result, allowInline));
        return applied;
    }

    /// <summary>Claims the step and applies a result to it.</summary>
    public void Complete(string stepId, StepResult? result = null)
    {
        Assert.True(Claim(stepId), $"step {stepId} could not be claimed ({Step(stepId).Status})");
        Assert.True(Apply(stepId, result ?? StepResult.Completed()), $"result for {stepId} was discarded ({Step(stepId).Status})");
    }

    public RunTx Cancel() => Do(t => Machine.Cancel(t, Def, "alice", "not needed"));

    public RunTx Retry(string? fromStep = null, bool queued = false, string? holder = null) =>
        Do(t => Machine.Retry(t, Def, "alice", fromStep, [], queued, holder));

    public bool Recover(string stepId)
    {
        var recovered = false;
        Do(t => recovered = Machine.Recover(t, Def, stepId, (long)Options.DispatchGrace.TotalMilliseconds));
        return recovered;
    }

    public RunTx Signal(string stepId) =>
        Do(t => Machine.Signal(t, Step(stepId), Def, "approval", "bob", new System.Text.Json.Nodes.JsonObject { ["approved"] = true }));

    /// <summary>Gets how long from now until the step's next dispatch is due.</summary>
    public TimeSpan DelayOf(string stepId) => TimeSpan.FromMilliseconds((Step(stepId).NextPollAt ?? Machine.Now) - Machine.Now);

    /// <summary>Returns whether a transaction changed nothing: no row, no audit, no log, no effect.</summary>
    public static bool ChangedNothing(RunTx tx) =>
        !tx.RunDirty && tx.Audit.Count == 0 && tx.Logs.Count == 0 && tx.Dispatches.Count == 0 && tx.JobsToDelete.Count == 0
        && tx.NewAttempts.Count == 0 && tx.AttemptUpdates.Count == 0 && tx.ReleaseKey is null && tx.InlineNext is null && !tx.Steps.Any(s => s.IsDirty);

    private void Commit(RunTx tx)
    {
        if (tx.Aborted)
        {
            return;
        }

        Journal.AddRange(tx.Audit);
        Attempts.AddRange(tx.NewAttempts.Select(Copy));
        foreach (var a in tx.AttemptUpdates)
        {
            var i = Attempts.FindIndex(x => x.StepId == a.StepId && x.Number == a.Number);
            if (i >= 0)
            {
                // As the store's UPDATE: the inputs an attempt started with are never rewritten.
                var updated = Copy(a);
                updated.Inputs = Attempts[i].Inputs;
                Attempts[i] = updated;
            }
        }
    }

    /// <summary>Marks the rows committed (what the store does after writing them).</summary>
    public void ClearDirty()
    {
        foreach (var s in Steps)
        {
            s.IsDirty = false;
            s.IsNew = false;
        }
    }

    private static AttemptRow Copy(AttemptRow a) => new()
    {
        RunId = a.RunId, StepId = a.StepId, Number = a.Number, Status = a.Status, StartedAt = a.StartedAt, FinishedAt = a.FinishedAt,
        Polls = a.Polls, ErrorCode = a.ErrorCode, ErrorMessage = a.ErrorMessage, Outputs = a.Outputs, Inputs = a.Inputs,
    };
}

/// <summary>The statuses of a run and its steps before a transaction.</summary>
internal sealed record Snapshot(RunStatus Run, Dictionary<string, StepStatus> Steps);

/// <summary>A jitter source that always returns the same number.</summary>
internal sealed class FixedJitter(double value) : IJitter
{
    public double Value { get; set; } = value;

    public double Next() => Value;
}
