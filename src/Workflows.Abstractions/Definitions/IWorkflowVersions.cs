namespace Workflows.Abstractions.Definitions;

/// <summary>
/// The stored versions of workflow definitions: every content hash ever loaded is kept (runs stay pinned to theirs), so a
/// workflow's history, and the source of each version, can be read back.
/// </summary>
public interface IWorkflowVersions
{
    /// <summary>Lists the versions of <paramref name="workflow"/>, newest first, with how many runs used each.</summary>
    /// <param name="workflow">The workflow's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The versions; empty when no version of that name was ever loaded.</returns>
    Task<IReadOnlyList<WorkflowVersion>> ListAsync(string workflow, CancellationToken cancellationToken = default);

    /// <summary>Gets one version of <paramref name="workflow"/> with its YAML source.</summary>
    /// <param name="workflow">The workflow's name.</param>
    /// <param name="version">The version's hash.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The version, or null when that workflow has no such version.</returns>
    Task<WorkflowVersionSource?> GetAsync(string workflow, string version, CancellationToken cancellationToken = default);
}

/// <summary>One stored version of a workflow definition.</summary>
/// <param name="Version">The content hash.</param>
/// <param name="File">The file it was loaded from.</param>
/// <param name="FirstLoadedAt">When this server first loaded (and stored) it.</param>
/// <param name="Runs">How many runs were started on it (and are still kept).</param>
public sealed record WorkflowVersion(string Version, string File, DateTimeOffset FirstLoadedAt, long Runs);

/// <summary>One stored version of a workflow definition with its source.</summary>
/// <param name="Version">The version, as listed.</param>
/// <param name="Text">The YAML source, exactly as loaded.</param>
public sealed record WorkflowVersionSource(WorkflowVersion Version, string Text);
