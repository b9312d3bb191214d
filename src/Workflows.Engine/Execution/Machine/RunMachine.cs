using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution.Machine;

/// <summary>
/// The engine's state machine: the only place that decides. A job or a command loads a run (<see cref="RunTx"/>),
/// asks the machine, and commits what it changed together with its audit events; the transitions are split by
/// concern: <c>RunLifecycle.cs</c> (begin, advance, cancel, retry, finish), <c>StepAttempts.cs</c> (schedule, claim,
/// attempts, results, polls, recovery), <c>Compensation.cs</c>, <c>Approvals.cs</c>, and <see cref="Admission"/>.
/// Time and jitter are injected, so a transition is deterministic given its inputs.
/// </summary>
public sealed partial class RunMachine(EngineOptions options, TimeProvider clock, SecretCodec codec, IEnumerable<ActionDescriptor>? actions = null, IJitter? jitter = null)
{
    private const string Engine = "engine";

    private readonly IJitter jitter = jitter ?? SharedJitter.Instance;

    private readonly Dictionary<string, ActionDescriptor> descriptors = (actions ?? []).GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>Gets the current time in Unix milliseconds.</summary>
    public long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Gets the codec.</summary>
    public SecretCodec Codec => codec;

    /// <summary>Adds an audit event.</summary>
    public void Audit(RunTx tx, string kind, string message, string? stepId = null, string actor = Engine, JsonNode? data = null) =>
        tx.Audit.Add(new AuditRow { RunId = tx.Run.Id, At = Now, Kind = kind, Actor = actor, StepId = stepId, Message = message, Data = data?.ToJsonString() });

    /// <summary>Returns whether the run lets the step work: a running run any step, a compensating run only its compensations.</summary>
    internal static bool RunAcceptsWork(RunRow run, StepRow row) =>
        run.Status == RunStatus.Running || (run.Status == RunStatus.Compensating && row.Kind == StepKinds.Compensation);

    private static (RetryPolicy Retry, TimeSpan? Timeout, string Uses) Policy(WorkflowDefinition def, StepRow row)
    {
        if (row.Kind == StepKinds.Compensation)
        {
            var target = def.FindStep(row.StepId[StepKinds.CompensationPrefix.Length..]);
            return (target?.Compensate?.Retry ?? RetryPolicy.CompensationDefault, target?.Compensate?.Timeout, target?.Compensate?.Uses ?? "?");
        }

        var sd = def.FindStep(row.StepId);
        return (sd?.Retry ?? RetryPolicy.None, sd?.Timeout, sd?.Uses ?? "?");
    }

    private PollSchedule PollScheduleOf(WorkflowDefinition def, StepRow row)
    {
        if (row.Kind == StepKinds.Compensation)
        {
            var compensate = def.FindStep(row.StepId[StepKinds.CompensationPrefix.Length..])?.Compensate;
            return compensate?.Poll ?? Descriptor(compensate?.Uses)?.Poll ?? PollSchedule.Default;
        }

        var sd = def.FindStep(row.StepId);
        return sd?.Poll ?? Descriptor(sd?.Uses)?.Poll ?? PollSchedule.Default;
    }

    private ActionDescriptor? Descriptor(string? uses) => uses is not null && descriptors.TryGetValue(uses, out var d) ? d : null;

    /// <summary>Writes a line into the step's log stream (what an operator reads), beside what the action wrote.</summary>
    private void Log(RunTx tx, string stepId, string line) =>
        tx.Logs.Add(new LogRow { RunId = tx.Run.Id, StepId = stepId, At = Now, Text = line + "\n" });
}
