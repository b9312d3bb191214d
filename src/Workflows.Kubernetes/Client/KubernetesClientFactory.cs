using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Access;

namespace Workflows.Kubernetes.Client;

/// <summary>Opens API clients for steps.</summary>
public interface IKubernetesClientFactory
{
    /// <summary>Finds the step's kubeconfig and context and opens a client that records its calls in the step's audit.</summary>
    /// <exception cref="StepFailedException">With code <c>kubernetes.kubeconfig</c> when the kubeconfig cannot be used.</exception>
    KubernetesApiClient Create(KubernetesAccessInputs inputs, StepContext context) => Create(inputs, context.Audit);

    /// <summary>Finds the kubeconfig and context and opens a client that records its calls in <paramref name="audit"/> (e.g. a plan's).</summary>
    /// <exception cref="StepFailedException">With code <c>kubernetes.kubeconfig</c> when the kubeconfig cannot be used.</exception>
    KubernetesApiClient Create(KubernetesAccessInputs inputs, IStepAudit audit);
}

/// <summary>The default factory: <see cref="KubeconfigLoader"/> + <see cref="KubernetesApiClient"/>.</summary>
public sealed class KubernetesClientFactory(KubeconfigLoader loader, IOptions<KubernetesOptions> options) : IKubernetesClientFactory
{
    /// <inheritdoc />
    public KubernetesApiClient Create(KubernetesAccessInputs inputs, IStepAudit audit)
    {
        var access = loader.Load(inputs);
        try
        {
            return new KubernetesApiClient(access, audit, options.Value.RequestTimeout);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            // Typically client certificate material that does not parse; the message never quotes it.
            throw new StepFailedException("kubernetes.kubeconfig", $"The kubeconfig ({access.Source}), {access}: its credentials cannot be used: {ex.GetType().Name}: {ex.Message}", retryable: false, ex);
        }
    }
}
