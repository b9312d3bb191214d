namespace Workflows.Abstractions.Runs;

/// <summary>The state of a run. Named like Hangfire's states where they mean the same.</summary>
public enum RunStatus
{
    /// <summary>Waiting behind another run with the same concurrency key.</summary>
    Queued,

    /// <summary>Steps are executing or waiting.</summary>
    Running,

    /// <summary>A cancel was requested; running steps are being stopped.</summary>
    Cancelling,

    /// <summary>A step failed or the run was cancelled; compensations run in reverse order.</summary>
    Compensating,

    /// <summary>Every step succeeded or was skipped.</summary>
    Succeeded,

    /// <summary>A step failed for good (compensation, if any, has finished).</summary>
    Failed,

    /// <summary>Cancelled by an operator (compensation, if any, has finished).</summary>
    Cancelled,

    /// <summary>
    /// Running, with a <c>core.approval</c> step waiting for people to decide. Derived by the read side (runs list, run
    /// detail, approvals inbox) from a Running run and its steps; never stored.
    /// </summary>
    WaitingForApproval,
}

/// <summary>The state of one step in a run.</summary>
public enum StepStatus
{
    /// <summary>Waiting for the steps it needs.</summary>
    Pending,

    /// <summary>Ready and handed to a worker queue.</summary>
    Scheduled,

    /// <summary>An attempt is executing.</summary>
    Running,

    /// <summary>Waiting between polls or before a retry; no worker is held.</summary>
    Waiting,

    /// <summary>Completed.</summary>
    Succeeded,

    /// <summary>Failed for good.</summary>
    Failed,

    /// <summary>Not run: its condition was false or a step it needs did not succeed.</summary>
    Skipped,

    /// <summary>Stopped by a cancel or by the failure of another step.</summary>
    Cancelled,

    /// <summary>Its effects were undone by its compensation.</summary>
    Compensated,
}

/// <summary>The state of one attempt of a step.</summary>
public enum AttemptStatus
{
    /// <summary>Executing or waiting between polls.</summary>
    Running,

    /// <summary>Completed the step.</summary>
    Succeeded,

    /// <summary>Failed.</summary>
    Failed,

    /// <summary>Stopped by a cancel.</summary>
    Cancelled,
}

/// <summary>Helpers over statuses.</summary>
public static class StatusExtensions
{
    /// <summary>Returns whether the run will not change any more on its own.</summary>
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>Returns whether the step is finished (in any way).</summary>
    public static bool IsTerminal(this StepStatus status) =>
        status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Skipped or StepStatus.Cancelled or StepStatus.Compensated;

    /// <summary>Returns whether a worker may be executing or about to execute the step.</summary>
    public static bool IsActive(this StepStatus status) =>
        status is StepStatus.Scheduled or StepStatus.Running or StepStatus.Waiting;
}
