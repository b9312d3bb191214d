using Workflows.Abstractions.Actions;

namespace Workflows.Kubernetes.Access;

/// <summary>
/// Reaches again the cluster a resource-ledger row names: the row records the API server's URL (its provider) and how the
/// step reached it (kubeconfig file and context, never credentials); the clean-up and the check use them, or a context of the
/// server's own kubeconfig that reaches the same URL.
/// </summary>
public static class ClusterLocator
{
    /// <summary>The ledger property with the context a step used.</summary>
    public const string ContextProperty = "context";

    /// <summary>The ledger property with the kubeconfig file a step used (absent: KUBECONFIG or ~/.kube/config).</summary>
    public const string KubeconfigPathProperty = "kubeconfigPath";

    /// <summary>The ledger property that says the kubeconfig came inline (<c>inline</c>); its content is never recorded.</summary>
    public const string KubeconfigProperty = "kubeconfig";

    /// <summary>Returns the ledger properties that say how a step reached its cluster (no secret: a path and a context name).</summary>
    /// <param name="inputs">The step's inputs.</param>
    /// <param name="access">The cluster as reached.</param>
    public static IReadOnlyDictionary<string, string> Identity(KubernetesAccessInputs inputs, ClusterAccess access)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(access);
        var identity = new Dictionary<string, string>(StringComparer.Ordinal) { [ContextProperty] = access.Context };
        if (inputs.Kubeconfig is { } inline && !string.IsNullOrWhiteSpace(inline.Reveal()))
        {
            identity[KubeconfigProperty] = "inline";
        }
        else if (!string.IsNullOrWhiteSpace(inputs.KubeconfigPath))
        {
            identity[KubeconfigPathProperty] = Path.GetFullPath(inputs.KubeconfigPath);
        }

        return identity;
    }

    /// <summary>
    /// Returns the access inputs that reach <paramref name="cluster"/>: <paramref name="inputs"/> when its context reaches
    /// it, else the same kubeconfig with a context whose server is <paramref name="cluster"/>.
    /// </summary>
    /// <exception cref="StepFailedException">With code <c>kubernetes.kubeconfig</c> when no context of the kubeconfig reaches the cluster.</exception>
    public static KubernetesAccessInputs Locate(KubeconfigLoader loader, KubernetesAccessInputs inputs, string cluster)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(inputs);
        var wanted = cluster.TrimEnd('/');
        ClusterAccess? access = null;
        try
        {
            access = loader.Load(inputs);
        }
        catch (StepFailedException)
        {
            // The recorded (or current) context is not in the kubeconfig (any longer): look for one that reaches the cluster.
        }

        if (access is not null && access.Server == wanted)
        {
            return inputs;
        }

        var contexts = loader.ContextsFor(inputs, wanted);
        if (contexts.Count > 0)
        {
            return inputs with { Context = contexts[0] };
        }

        throw new StepFailedException(
            "kubernetes.kubeconfig",
            $"cluster: no context of the kubeconfig{(string.IsNullOrWhiteSpace(inputs.KubeconfigPath) ? " (KUBECONFIG or ~/.kube/config)" : $" {inputs.KubeconfigPath}")} reaches {wanted}"
                + (access is null ? string.Empty : $" (context {access.Context} reaches {access.Server})")
                + "; give kubeconfigPath and context for that cluster, or add a context for it to the server's kubeconfig.",
            retryable: false);
    }
}
