using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Actions;

/// <summary>
/// Base of the Kubernetes actions: opens a client for the step's cluster and turns API errors that the action
/// did not handle into failures that name what it was doing.
/// </summary>
/// <typeparam name="TInputs">The inputs, which carry the cluster access.</typeparam>
/// <typeparam name="TOutputs">The outputs.</typeparam>
public abstract class KubernetesAction<TInputs, TOutputs>(IKubernetesClientFactory clients) : StepAction<TInputs, TOutputs>
    where TInputs : KubernetesAccessInputs
    where TOutputs : class
{
    /// <summary>The annotation that marks what a step applied with its idempotency key, so a second execution knows its own work.</summary>
    public const string AppliedByAnnotation = "workflows.io/applied-by";

    /// <summary>Gets the factory of API clients.</summary>
    protected IKubernetesClientFactory Clients => clients;

    /// <inheritdoc />
    protected sealed override async Task<StepResult> ExecuteAsync(TInputs inputs, StepContext context)
    {
        try
        {
            using var client = clients.Create(inputs, context);
            try
            {
                return await ExecuteAsync(inputs, context, client);
            }
            catch (KubernetesApiException ex)
            {
                throw KubernetesErrors.Translate(ex, $"{Describe(inputs)} on {client.Access}");
            }
        }
        catch (StepFailedException ex)
        {
            // Returned rather than thrown: the same outcome for the engine, and a plain result for anyone driving the action.
            return StepResult.Failed(ex.ErrorCode, ex.Message, ex.Retryable);
        }
    }

    /// <summary>Says what the step does, for error messages ("Applying the manifest").</summary>
    protected abstract string Describe(TInputs inputs);

    /// <summary>Executes one attempt or poll with an open client.</summary>
    protected abstract Task<StepResult> ExecuteAsync(TInputs inputs, StepContext context, KubernetesApiClient client);
}
