using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Access;

namespace Workflows.Kubernetes.Resources;

/// <summary>
/// How a <c>kubernetes.*</c> ledger row (recorded by <c>kubernetes.apply</c>) is reached and deleted: the provider is the API
/// server's URL, the properties hold the object's apiVersion, kind and namespace and how the step reached the cluster
/// (<see cref="ClusterLocator"/>).
/// </summary>
public static class KubernetesObjectDeleter
{
    /// <summary>The family of ledger kinds <c>kubernetes.apply</c> records (<c>kubernetes.deployment.apps</c>, <c>kubernetes.namespace</c>, and rows of older versions without the group, <c>kubernetes.deployment</c>…).</summary>
    public const string KindFamily = "kubernetes.*";

    /// <summary>The action that deletes one of them.</summary>
    public const string Action = "kubernetes.object.delete";

    /// <summary>Returns the inputs of <see cref="Action"/> for a ledger row (literal strings; no credentials).</summary>
    /// <param name="row">The ledger row.</param>
    public static IReadOnlyDictionary<string, string> Inputs(ResourceEntry row)
    {
        var (access, cluster, apiVersion, kind, name) = Access(row);
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cluster"] = cluster,
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["name"] = name,
            ["propagationPolicy"] = "Background",

            // A row recorded before ledger kinds carried the API group keeps its kind; the action marks that row.
            ["ledgerKind"] = row.Kind,
        };
        Add(inputs, "namespace", access.Namespace);
        Add(inputs, "kubeconfigPath", access.KubeconfigPath);
        Add(inputs, "context", access.Context);
        return inputs;
    }

    /// <summary>Reads what a ledger row says of its object and of how its cluster was reached.</summary>
    /// <param name="row">The ledger row.</param>
    /// <exception cref="ArgumentException">When the row lacks the cluster, apiVersion or kind (not recorded by <c>kubernetes.apply</c>).</exception>
    public static (KubernetesAccessInputs Access, string Cluster, string ApiVersion, string Kind, string Name) Access(ResourceEntry row)
    {
        ArgumentNullException.ThrowIfNull(row);
        string? Property(string key) => row.Properties.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;
        var cluster = row.Provider ?? throw new ArgumentException($"{row.Kind} {row.ExternalId} records no cluster", nameof(row));
        var apiVersion = Property("apiVersion") ?? throw new ArgumentException($"{row.Kind} {row.ExternalId} records no apiVersion", nameof(row));
        var kind = Property("kind") ?? throw new ArgumentException($"{row.Kind} {row.ExternalId} records no kind", nameof(row));
        var ns = Property("namespace");
        var name = row.Name ?? (ns is null ? row.ExternalId : row.ExternalId[(ns.Length + 1)..]);

        // An inline kubeconfig is not kept: the server's kubeconfig is searched for a context reaching the same URL.
        var inline = Property(ClusterLocator.KubeconfigProperty) == "inline";
        var access = new KubernetesAccessInputs
        {
            KubeconfigPath = inline ? null : Property(ClusterLocator.KubeconfigPathProperty),
            Context = inline ? null : Property(ClusterLocator.ContextProperty),
            Namespace = ns,
        };
        return (access, cluster.TrimEnd('/'), apiVersion, kind, name);
    }

    private static void Add(Dictionary<string, string> inputs, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            inputs[key] = value;
        }
    }
}
