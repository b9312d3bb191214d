using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;

namespace Workflows.Docker.Actions;

/// <summary>Inputs of <c>docker.network.remove</c>.</summary>
public sealed record NetworkRemoveInputs : DockerEndpointInputs
{
    /// <summary>Gets the network to remove, by id or name.</summary>
    public required string Network { get; init; }
}

/// <summary>Outputs of <c>docker.network.remove</c>.</summary>
/// <param name="NetworkId">The removed network's id, or null when it was already gone.</param>
/// <param name="Removed">Whether this step removed it (false: it was already gone).</param>
public sealed record NetworkRemoveOutputs(string? NetworkId, bool Removed);

/// <summary>
/// <c>docker.network.remove</c>: removes one network (e.g. one a stack deploy created, from the Resources page), waiting while
/// containers or the tasks of removed services still hold endpoints on it, as <c>docker stack rm</c> does. A network already
/// gone is a success; the removed network is marked deleted in the resource ledger.
/// </summary>
public sealed class NetworkRemoveAction(IDockerClientFactory clients, IOptions<DockerOptions> options) : DockerAction<NetworkRemoveInputs, NetworkRemoveOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(NetworkRemoveInputs inputs) => $"Removing network {inputs.Network}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(NetworkRemoveInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var state = context.GetState<NetworkRemoveOutputs>();
        NetworkResponse network;
        try
        {
            network = await DockerAudit.CallAsync(context, endpoint, "GET", $"/networks/{inputs.Network}", () => client.Networks.InspectNetworkAsync(inputs.Network, ct));
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            context.Log.WriteLine(state is { Removed: true } ? $"network {inputs.Network}: gone" : $"network {inputs.Network}: already gone");
            await context.Resources.MarkDeletedAsync("docker.network", state?.NetworkId ?? inputs.Network, endpoint.Display, ct);
            return Completed(state ?? new NetworkRemoveOutputs(null, false));
        }

        try
        {
            await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/networks/{network.ID}", () => client.Networks.DeleteNetworkAsync(network.ID, ct));
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Removed from the swarm already (an earlier poll or execution); the engine's local copy is on its way out.
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.InternalServerError
            || (ex.StatusCode == HttpStatusCode.BadRequest && ex.ResponseBody?.Contains("in use by service", StringComparison.OrdinalIgnoreCase) == true))
        {
            // "has active endpoints": tasks of services removed a moment ago leave within seconds; a container still
            // attached keeps the step waiting (visibly) until it leaves or the step's timeout ends the wait. A swarm
            // network answers 400 "in use by service" while a service being removed (by a step beside this one, as
            // in a clean-up of a service and its network) still names it: that is waited out the same way.
            var users = network.Containers?.Values.Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToList() ?? [];
            return StepResult.Pending(
                options.Value.PollInterval,
                $"network {network.Name} is in use{(users.Count > 0 ? $" by {string.Join(", ", users)}" : string.Empty)}; waiting for its endpoints to leave",
                state ?? new NetworkRemoveOutputs(network.ID, false));
        }

        if (state is not { Removed: true })
        {
            context.Log.WriteLine($"network {network.Name} ({network.ID[..Math.Min(12, network.ID.Length)]}): removed");
        }

        // A swarm network's removal is accepted before the engine drops its local copy: the step completes (and the
        // ledger row is marked) once an inspect no longer finds it, so a check right after agrees.
        return StepResult.Pending(options.Value.PollInterval, $"network {network.Name} removed; waiting for the engine to drop it", new NetworkRemoveOutputs(network.ID, true));
    }
}
