using Docker.DotNet;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>Outputs of <c>docker.service.remove</c>.</summary>
/// <param name="ServiceId">The removed service's id, if there was one.</param>
/// <param name="Removed">Whether a service was removed (false: it was already gone).</param>
public sealed record ServiceRemoveOutputs(string? ServiceId, bool Removed);

/// <summary><c>docker.service.remove</c>: removes a Swarm service (also as the compensation of a deploy that created it).</summary>
public sealed class ServiceRemoveAction(IDockerClientFactory clients) : DockerAction<ServiceTargetInputs, ServiceRemoveOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ServiceTargetInputs inputs) => $"Removing service {inputs.Name}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ServiceTargetInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        await SwarmRollout.EnsureManagerAsync(client, endpoint, ct);
        var service = await ServiceRollbackAction.FindAsync(client, inputs.Name, context.Compensating?.IdempotencyKey, ct);
        if (service is null)
        {
            context.Log.WriteLine($"service {inputs.Name ?? "(by key)"}: already gone");
            return Completed(new ServiceRemoveOutputs(null, false));
        }

        try
        {
            await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/services/{service.ID}", () => client.Swarm.RemoveServiceAsync(service.ID, ct));
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Removed by an earlier execution between our lookup and the call.
        }

        await context.Resources.MarkDeletedAsync("docker.service", service.ID, endpoint.Display, ct);
        context.Log.WriteLine($"service {service.Spec.Name}: removed {SwarmRollout.Short(service.ID)}");
        return Completed(new ServiceRemoveOutputs(service.ID, true));
    }
}
