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

    /// <summary>Gets the kind used in the resource ledger, e.g. <c>kubernetes.deployment</c>.</summary>
    public string LedgerKind => $"kubernetes.{Kind.ToLowerInvariant()}";
}

/// <summary>Where a kind is served.</summary>
/// <param name="Plural">The resource name in URLs, e.g. <c>deployments</c>.</param>
/// <param name="Namespaced">Whether objects of the kind live in a namespace.</param>
public sealed record ResourceInfo(string Plural, bool Namespaced);
