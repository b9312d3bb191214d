using Workflows.Abstractions.Actions;

namespace Workflows.Abstractions.Resources;

/// <summary>
/// Looks a ledger resource up in its provider with read-only calls, so "Check against the cloud" can mark what no
/// longer exists. An integration implements one per family of kinds it records and registers it with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;IResourceProbe, TProbe&gt;())</c>.
/// </summary>
/// <remarks>
/// <note type="implement">
/// Only read (GET, inspect); never change anything. Answer <see cref="ResourcePresence.Gone"/> only when the provider said
/// so (404, or a terminal "deleted" state); throw on anything else (unreachable, 5xx, credentials) and the check reports the
/// row as unknown and leaves it as it is.
/// </note>
/// </remarks>
public interface IResourceProbe
{
    /// <summary>Gets the ledger kinds this probe looks up, e.g. <c>nova.server</c>, or families of kinds, e.g. <c>kubernetes.*</c> (see <see cref="ResourceKindPattern"/>).</summary>
    IReadOnlyCollection<string> Kinds { get; }

    /// <summary>Looks the resource up.</summary>
    /// <param name="resource">The ledger row.</param>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>Present or gone.</returns>
    Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default);
}

/// <summary>What a check found of one resource.</summary>
public enum ResourcePresence
{
    /// <summary>The provider has it.</summary>
    Present,

    /// <summary>The provider said it does not exist; the ledger row is marked gone (<see cref="Actions.ResourceDeletedReason.Gone"/>).</summary>
    Gone,

    /// <summary>Not known: no probe for the kind, or the provider could not be asked.</summary>
    Unknown,
}

/// <summary>The answer for one resource.</summary>
/// <param name="Resource">The resource.</param>
/// <param name="Presence">What was found.</param>
/// <param name="Detail">Why it is unknown (no probe, the error), or null.</param>
public sealed record ResourceCheckItem(ResourceKey Resource, ResourcePresence Presence, string? Detail = null);

/// <summary>The result of a check.</summary>
/// <param name="Items">One per resource checked.</param>
public sealed record ResourceCheckResult(IReadOnlyList<ResourceCheckItem> Items)
{
    /// <summary>Gets how many are present.</summary>
    public int Present => Items.Count(i => i.Presence == ResourcePresence.Present);

    /// <summary>Gets how many were gone (and are now marked gone).</summary>
    public int Gone => Items.Count(i => i.Presence == ResourcePresence.Gone);

    /// <summary>Gets how many could not be checked.</summary>
    public int Unknown => Items.Count(i => i.Presence == ResourcePresence.Unknown);

    /// <summary>Gets a one-line summary, e.g. "12 present, 3 gone, 1 unknown".</summary>
    public string Summary => $"{Present} present, {Gone} gone, {Unknown} unknown";
}

/// <summary>Checks the ledger against the providers.</summary>
public interface IResourceCheck
{
    /// <summary>
    /// Looks up every resource not marked deleted (or only <paramref name="resources"/>) in its provider and marks those that no
    /// longer exist as gone (<see cref="Actions.ResourceDeletedReason.Gone"/>, by <paramref name="actor"/>, recorded in the owning
    /// run's audit too). Never marks on an error.
    /// </summary>
    /// <param name="resources">The resources to check, or null for all not deleted.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="progress">Told after each resource (done, total), or null.</param>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>One answer per resource.</returns>
    Task<ResourceCheckResult> CheckAsync(IReadOnlyList<ResourceKey>? resources, string actor, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default);
}
