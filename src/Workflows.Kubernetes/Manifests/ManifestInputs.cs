using System.Text.Json.Nodes;
using Workflows.Kubernetes.Access;

namespace Workflows.Kubernetes.Manifests;

/// <summary>Inputs of the actions that take a manifest: the cluster access plus the manifest, inline or from a file.</summary>
public record ManifestInputs : KubernetesAccessInputs
{
    /// <summary>Gets the manifest's text: one or more YAML documents separated by <c>---</c>. Its <c>${{ }}</c> expressions are evaluated by the engine.</summary>
    public string? Manifest { get; init; }

    /// <summary>Gets the path of a manifest file, relative to the workflows folder (<c>Kubernetes:ManifestDirectory</c>).</summary>
    public string? File { get; init; }

    /// <summary>Gets the values that <c>${{ values.name }}</c> placeholders in a manifest <see cref="File"/> are replaced with.</summary>
    public JsonObject? Values { get; init; }
}
