using Workflows.Abstractions.Secrets;

namespace Workflows.Kubernetes.Access;

/// <summary>
/// How a step reaches its cluster, the way <c>kubectl</c> does: an inline <see cref="Kubeconfig"/> (e.g. the
/// <c>kubeconfig</c> output of <c>magnum.cluster.credentials</c>), else the file <see cref="KubeconfigPath"/>,
/// else <c>KUBECONFIG</c> (a list of files, merged), else <c>~/.kube/config</c>; then the <see cref="Context"/>
/// named, or the file's <c>current-context</c>. Every Kubernetes action's inputs derive from this.
/// </summary>
public record KubernetesAccessInputs
{
    /// <summary>Gets the kubeconfig's content. A secret: it usually holds a client key or a token.</summary>
    public Secret? Kubeconfig { get; init; }

    /// <summary>Gets the path of a kubeconfig file on the server. Default is <c>KUBECONFIG</c>, then <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>Gets the kubeconfig context to use. Default is the file's <c>current-context</c>.</summary>
    public string? Context { get; init; }

    /// <summary>Gets the namespace of objects that name none. Default is the context's namespace, then <c>default</c>.</summary>
    public string? Namespace { get; init; }
}
