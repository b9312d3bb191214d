namespace Workflows.Docker.Swarm;

/// <summary>What a Swarm rollout carries from one poll to the next (returned as the pending state).</summary>
public sealed class RolloutState
{
    /// <summary>Gets or sets the service id.</summary>
    public string ServiceId { get; set; } = string.Empty;

    /// <summary>Gets or sets the service name.</summary>
    public string ServiceName { get; set; } = string.Empty;

    /// <summary>Gets or sets the spec hash the rollout aims at.</summary>
    public string? TargetHash { get; set; }

    /// <summary>Gets or sets whether this step created the service.</summary>
    public bool Created { get; set; }

    /// <summary>Gets or sets whether this step changed the service (created or updated it).</summary>
    public bool Changed { get; set; }

    /// <summary>Gets or sets whether the rollout is a rollback we asked for (so reaching the previous spec is success).</summary>
    public bool RollbackRequested { get; set; }

    /// <summary>Gets or sets Docker's update message when it started a rollback.</summary>
    public string? UpdateMessage { get; set; }

    /// <summary>Gets or sets the errors of failed tasks of the target spec (distinct, a few).</summary>
    public List<string> TaskErrors { get; set; } = [];

    /// <summary>Gets or sets how many tasks of the target spec failed.</summary>
    public int FailedTasks { get; set; }

    /// <summary>Gets or sets the last state seen of each task, to log transitions only.</summary>
    public Dictionary<string, string> Seen { get; set; } = [];
}

/// <summary>The outcome of one convergence check.</summary>
public enum ConvergenceStatus
{
    /// <summary>Still moving.</summary>
    InProgress,

    /// <summary>Every task of the target spec runs and the old ones are gone.</summary>
    Converged,

    /// <summary>Docker rolled the update back (automatic failure action); the service runs its previous spec.</summary>
    RolledBack,

    /// <summary>The update or rollback is paused, or tasks keep failing.</summary>
    Failed,
}

/// <summary>One convergence check.</summary>
/// <param name="Status">Where the rollout stands.</param>
/// <param name="Progress">A one-line summary for the step's progress.</param>
/// <param name="Reason">Docker's reason when it failed or rolled back.</param>
/// <param name="Version">The service's spec version.</param>
/// <param name="Image">The image the service runs now.</param>
public sealed record Convergence(ConvergenceStatus Status, string Progress, string? Reason, ulong Version, string? Image);
