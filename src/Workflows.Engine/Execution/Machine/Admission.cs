using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution.Machine;

/// <summary>What a step job may do with the step it carries: the one admission decision, made by <see cref="Admission.Decide"/>.</summary>
public enum AdmissionKind
{
    /// <summary>The job is not the step's latest dispatch, or the step or run no longer wants it: it does nothing.</summary>
    Stale,

    /// <summary>The job arrived before the step's poll or retry is due: it comes back after <see cref="Admission.Delay"/>.</summary>
    Early,

    /// <summary>The job polls the step's current attempt; no claim is needed (its result counts only if the dispatch number still matches).</summary>
    Poll,

    /// <summary>The job claims the step: it starts a new attempt, or resumes the attempt whose worker was lost.</summary>
    Claimed,
}

/// <summary>The admission decision for one job: a pure function of the run and step rows, the job's dispatch number and the time.</summary>
/// <param name="Kind">What the job may do.</param>
/// <param name="Delay">How long until the step is due (only for <see cref="AdmissionKind.Early"/>).</param>
public readonly record struct Admission(AdmissionKind Kind, TimeSpan Delay = default)
{
    /// <summary>
    /// How early a job may arrive and still act: Hangfire keeps scheduled times in whole seconds, so a
    /// delayed job can arrive up to a second early, and a retry backoff or poll interval must not be cut short.
    /// </summary>
    public const long EarlyToleranceMs = 2;

    /// <summary>Gets the decision for a stale job.</summary>
    public static Admission Stale { get; } = new(AdmissionKind.Stale);

    /// <summary>Gets the decision for a poll.</summary>
    public static Admission Poll { get; } = new(AdmissionKind.Poll);

    /// <summary>Gets the decision for a claim.</summary>
    public static Admission Claimed { get; } = new(AdmissionKind.Claimed);

    /// <summary>Decides what the job carrying dispatch <paramref name="seq"/> of <paramref name="step"/> may do at <paramref name="now"/> (Unix ms).</summary>
    public static Admission Decide(RunRow run, StepRow? step, long seq, long now)
    {
        if (step is null || step.DispatchSeq != seq)
        {
            return Stale;
        }

        if (step.Status == StepStatus.Waiting && step.NextPollAt is { } due && due - now > EarlyToleranceMs)
        {
            return new(AdmissionKind.Early, TimeSpan.FromMilliseconds(due - now));
        }

        if (!RunMachine.RunAcceptsWork(run, step))
        {
            return Stale;
        }

        return (step.Status, step.NextAction) switch
        {
            (StepStatus.Waiting, NextActions.Poll) => Poll,
            (StepStatus.Scheduled or StepStatus.Waiting, NextActions.Attempt or NextActions.Resume) => Claimed,
            _ => Stale,
        };
    }
}
