using System.Text.Json.Nodes;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Actions;

/// <summary>
/// What <c>kubernetes.apply</c> keeps in its step state: each object's state before the step touched it, captured on
/// the first execution and committed before anything is applied, so that <c>kubernetes.undo</c> can restore it exactly.
/// </summary>
/// <remarks>
/// A step state lives as long as one attempt. So that a retry (a new attempt, with no state) still knows the state
/// from before the first attempt, every applied object also carries it in its <c>workflows.io/previous-state</c>
/// annotation (as kubectl keeps <c>last-applied-configuration</c>): <c>absent</c>, the previous object as JSON, or for
/// a Secret <c>sealed:</c> and the encrypted previous object.
/// </remarks>
public sealed class ApplyState
{
    /// <summary>Gets or sets the API server's URL.</summary>
    public string Cluster { get; set; } = string.Empty;

    /// <summary>Gets or sets the objects in the order they are applied (implicitly created namespaces first).</summary>
    public List<PreviousObject> Objects { get; set; } = [];
}

/// <summary>One object and what it was before the step.</summary>
public sealed class PreviousObject
{
    /// <summary>Gets or sets the API version.</summary>
    public string ApiVersion { get; set; } = string.Empty;

    /// <summary>Gets or sets the kind.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Gets or sets the namespace (null for cluster-scoped kinds).</summary>
    public string? Namespace { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the resource name in URLs.</summary>
    public string Plural { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the kind is namespaced.</summary>
    public bool Namespaced { get; set; }

    /// <summary>Gets or sets whether the object existed before the step ("absent" otherwise: undo deletes it).</summary>
    public bool Existed { get; set; }

    /// <summary>Gets or sets the object as it was (without status and server-set metadata); null when absent or not kept.</summary>
    public JsonObject? Previous { get; set; }

    /// <summary>
    /// Gets or sets a Secret's previous state sealed with the server's secret key (<see cref="Workflows.Abstractions.Secrets.ISecretProtector"/>):
    /// its data is never kept in the clear outside the cluster. Null for other kinds.
    /// </summary>
    public string? SealedPrevious { get; set; }

    /// <summary>Gets or sets why an existing object's previous state is not kept (a Secret's data never leaves the cluster), if so.</summary>
    public string? NotKept { get; set; }

    /// <summary>Gets or sets the object's resourceVersion before the step, if it existed.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Gets or sets the manifest document the object comes from (0 for an implicit namespace).</summary>
    public int Document { get; set; }

    /// <summary>Gets or sets whether the step added this object itself (a namespace for <c>createNamespace</c>).</summary>
    public bool Implicit { get; set; }

    /// <summary>Returns the object's reference.</summary>
    public ObjectRef Ref => new(ApiVersion, Kind, Namespace, Name);

    /// <summary>Returns where its kind is served.</summary>
    public ResourceInfo Resource => new(Plural, Namespaced);
}
