namespace Workflows.Abstractions.Actions;

/// <summary>
/// Records every external resource a run creates, so compensation and orphan clean-up know what
/// exists and who owns it.
/// </summary>
public interface IResourceLedger
{
    /// <summary>Records (or updates) a resource created by the current step. Idempotent by kind + provider + external id.</summary>
    Task RecordAsync(ResourceRecord resource, CancellationToken cancellationToken = default);

    /// <summary>Marks a resource as deleted. Unknown resources are ignored.</summary>
    Task MarkDeletedAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the resources the current run recorded, deleted ones included.</summary>
    Task<IReadOnlyList<ResourceEntry>> ListForRunAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the live (not deleted) entries of a kind and external id, of any provider when <paramref name="provider"/> is
    /// null, whichever run recorded them (e.g. to tell whether an older run's row under another kind is the same object).
    /// </summary>
    Task<IReadOnlyList<ResourceEntry>> FindLiveAsync(string kind, string externalId, string? provider = null, CancellationToken cancellationToken = default);
}

/// <summary>A resource to record.</summary>
/// <param name="Kind">Its type, e.g. <c>nova.server</c>, <c>neutron.floatingip</c>, <c>docker.service</c>.</param>
/// <param name="ExternalId">Its id in the external system.</param>
/// <param name="Name">A human name, if any.</param>
/// <param name="Provider">Where it lives: a cloud name, a Docker endpoint, a host.</param>
/// <param name="Properties">Extra facts (address, image…); never secrets.</param>
public sealed record ResourceRecord(
    string Kind,
    string ExternalId,
    string? Name = null,
    string? Provider = null,
    IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>A resource in the ledger.</summary>
/// <param name="RunId">The run that created it.</param>
/// <param name="StepId">The step that created it.</param>
/// <param name="Kind">Its type.</param>
/// <param name="ExternalId">Its id in the external system.</param>
/// <param name="Name">A human name, if any.</param>
/// <param name="Provider">Where it lives.</param>
/// <param name="Properties">Extra facts.</param>
/// <param name="CreatedAt">When it was recorded.</param>
/// <param name="DeletedAt">When it left the ledger (deleted, or found gone), if it did.</param>
/// <param name="DeletedReason">
/// Why it left the ledger, or null while it is live: <see cref="ResourceDeletedReason.Deleted"/> by a run (its own step, its
/// compensation or a clean-up run), <see cref="ResourceDeletedReason.Gone"/> when a check against the cloud found it missing.
/// </param>
/// <param name="DeletedBy">Who ran the check that found it gone (an actor name), or null when unknown or not <see cref="ResourceDeletedReason.Gone"/>.</param>
public sealed record ResourceEntry(
    Guid RunId,
    string StepId,
    string Kind,
    string ExternalId,
    string? Name,
    string? Provider,
    IReadOnlyDictionary<string, string> Properties,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt,
    ResourceDeletedReason? DeletedReason = null,
    string? DeletedBy = null);

/// <summary>Why a resource left the ledger.</summary>
public enum ResourceDeletedReason
{
    /// <summary>A run deleted it: the step that owns it, its compensation, or a clean-up run from the Resources page.</summary>
    Deleted,

    /// <summary>A check against the cloud found it missing: it vanished without a run of ours deleting it.</summary>
    Gone,
}
