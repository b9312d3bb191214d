namespace Workflows.Kubernetes.Client;

/// <summary>Names one Kubernetes object.</summary>
/// <param name="ApiVersion">Its API version, e.g. <c>apps/v1</c> or <c>v1</c>.</param>
/// <param name="Kind">Its kind, e.g. <c>Deployment</c>.</param>
/// <param name="Namespace">Its namespace; null for a cluster-scoped kind.</param>
/// <param name="Name">Its name.</param>
public sealed record ObjectRef(string ApiVersion, string Kind, string? Namespace, string Name)
{
    /// <summary>Gets the API group ("" for the core group).</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    /// <summary>Returns <c>deployment/myapp</c> or <c>deployment/myapp -n ns</c>, as kubectl names objects.</summary>
    public override string ToString() => $"{Kind.ToLowerInvariant()}/{Name}{(Namespace is null ? string.Empty : $" -n {Namespace}")}";

    /// <summary>Gets the id used in the resource ledger: <c>namespace/name</c>, or the name for a cluster-scoped object.</summary>
    public string LedgerId => Namespace is null ? Name : $"{Namespace}/{Name}";

    /// <summary>
    /// Gets the kind used in the resource ledger: <c>kubernetes.&lt;kind&gt;</c> for the core group (<c>kubernetes.service</c>),
    /// <c>kubernetes.&lt;kind&gt;.&lt;group&gt;</c> otherwise (<c>kubernetes.deployment.apps</c>, <c>kubernetes.service.example.com</c>),
    /// as kubectl names a kind in full (<c>deployment.apps</c>), so that two kinds of the same name in different groups never share a row.
    /// </summary>
    public string LedgerKind => Group.Length == 0 ? LegacyLedgerKind : $"{LegacyLedgerKind}.{Group.ToLowerInvariant()}";

    /// <summary>
    /// Gets the kind rows were recorded under before the ledger kind carried the API group (<c>kubernetes.deployment</c> for
    /// an <c>apps/v1</c> Deployment); the same as <see cref="LedgerKind"/> for the core group.
    /// </summary>
    public string LegacyLedgerKind => $"kubernetes.{Kind.ToLowerInvariant()}";

    /// <summary>
    /// Returns whether a ledger row is this object's: the same id and either <see cref="LedgerKind"/>, or
    /// <see cref="LegacyLedgerKind"/> with a recorded <c>apiVersion</c> and <c>kind</c> of this group and kind (a row from
    /// before kinds carried the group; a row of another group's kind of the same name is not this object's).
    /// </summary>
    /// <param name="kind">The row's kind.</param>
    /// <param name="externalId">The row's external id.</param>
    /// <param name="properties">The row's properties.</param>
    public bool IsLedgerRow(string kind, string externalId, IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (externalId != LedgerId)
        {
            return false;
        }

        if (kind == LedgerKind)
        {
            return true;
        }

        return kind == LegacyLedgerKind
            && properties.TryGetValue("apiVersion", out var apiVersion)
            && properties.TryGetValue("kind", out var recordedKind)
            && string.Equals(recordedKind, Kind, StringComparison.Ordinal)
            && (new ObjectRef(apiVersion, Kind, Namespace, Name).Group == Group);
    }
}

/// <summary>Where a kind is served.</summary>
/// <param name="Plural">The resource name in URLs, e.g. <c>deployments</c>.</param>
/// <param name="Namespaced">Whether objects of the kind live in a namespace.</param>
public sealed record ResourceInfo(string Plural, bool Namespaced);
