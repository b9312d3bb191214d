using Docker.DotNet;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;

namespace Workflows.Docker.Actions;

/// <summary>
/// Base of the Docker actions: opens a client for the step's endpoint, and turns engine and transport
/// errors into <see cref="StepFailedException"/>s that name the endpoint.
/// </summary>
/// <typeparam name="TInputs">The inputs, which carry the endpoint.</typeparam>
/// <typeparam name="TOutputs">The outputs.</typeparam>
public abstract class DockerAction<TInputs, TOutputs>(IDockerClientFactory clients) : StepAction<TInputs, TOutputs>
    where TInputs : DockerEndpointInputs
    where TOutputs : class
{
    /// <summary>Gets the factory of engine clients (plans open theirs through it too).</summary>
    protected IDockerClientFactory Clients { get; } = clients;

    /// <inheritdoc />
    protected sealed override async Task<StepResult> ExecuteAsync(TInputs inputs, StepContext context)
    {
        var (client, endpoint) = Clients.Create(inputs);
        using (client)
        {
            try
            {
                return await ExecuteAsync(inputs, context, client, endpoint);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
            {
                throw DockerErrors.Translate(ex, endpoint, Describe(inputs));
            }
        }
    }

    /// <summary>Says what the step does, for error messages ("Deploying service web").</summary>
    protected abstract string Describe(TInputs inputs);

    /// <summary>Executes one attempt or poll with an open client.</summary>
    protected abstract Task<StepResult> ExecuteAsync(TInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint);
}
