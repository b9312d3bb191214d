using Workflows.Abstractions.Actions;

namespace Workflows.Abstractions.Resources;

/// <summary>
/// Says which action deletes a kind of ledger resource and with which inputs, so an orphan can be cleaned up.
/// Each integration registers one per kind it records (<c>services.AddResourceDeleter(…)</c>); a kind
/// without one cannot be deleted from the Resources page.
/// </summary>
/// <param name="Kind">The ledger kind, e.g. <c>nova.server</c>, or a family of kinds, e.g. <c>kubernetes.*</c> (see <see cref="ResourceKindPattern"/>).</param>
/// <param name="Action">The action's name in <c>uses:</c>, e.g. <c>nova.server.delete</c>.</param>
/// <param name="Inputs">
/// The action's <c>with:</c> for one ledger row: literal strings only (no expressions). The action must be
/// idempotent (a resource already gone is a success) and mark the row deleted with
/// <see cref="IResourceLedger.MarkDeletedAsync"/> under the row's kind, external id and provider.
/// </param>
public sealed record ResourceDeleter(string Kind, string Action, Func<ResourceEntry, IReadOnlyDictionary<string, string>> Inputs);

/// <summary>A ledger row named by what keys it: kind, provider and external id.</summary>
/// <param name="Kind">Its kind.</param>
/// <param name="Provider">Where it lives (a cloud, an endpoint, a cluster).</param>
/// <param name="ExternalId">Its id there.</param>
public sealed record ResourceKey(string Kind, string Provider, string ExternalId)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} {ExternalId} on {Provider}";
}

/// <summary>Starts the clean-up of orphaned resources.</summary>
public interface IResourceCleanup
{
    /// <summary>Gets the kinds that have a delete action, families of kinds as <c>prefix.*</c> (see <see cref="ResourceKindPattern"/>).</summary>
    IReadOnlySet<string> DeletableKinds { get; }

    /// <summary>Returns whether a ledger kind has a delete action (exactly or through a family such as <c>kubernetes.*</c>).</summary>
    /// <param name="kind">The ledger kind.</param>
    bool IsDeletable(string kind) => DeletableKinds.Any(p => ResourceKindPattern.Matches(p, kind));

    /// <summary>
    /// Starts one run of the built-in <c>resource-cleanup</c> workflow with one independent delete step per resource.
    /// Every resource must be an orphan (not deleted, its run failed or cancelled) of a deletable kind; otherwise
    /// nothing is started and <see cref="ResourceCleanupRefusedException"/> names each bad item.
    /// </summary>
    /// <param name="resources">The resources, at least one.</param>
    /// <param name="actor">Who asked (recorded as the run's trigger).</param>
    /// <param name="trigger">Portal or API.</param>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>The run started.</returns>
    Task<Runs.RunSummary> StartAsync(IReadOnlyList<ResourceKey> resources, string actor, Definitions.TriggerKind trigger, CancellationToken cancellationToken = default);
}

/// <summary>A clean-up was refused; nothing was started.</summary>
/// <param name="problems">One message per bad item, keyed by its position (<c>resources[0]</c>).</param>
public sealed class ResourceCleanupRefusedException(IReadOnlyDictionary<string, string> problems)
    : Exception($"The clean-up was refused: {string.Join("; ", problems.Select(p => $"{p.Key}: {p.Value}"))}")
{
    /// <summary>Gets one message per bad item, keyed by its position.</summary>
    public IReadOnlyDictionary<string, string> Problems { get; } = problems;
}
