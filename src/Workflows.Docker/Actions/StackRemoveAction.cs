using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>
/// Inputs of <c>docker.stack.remove</c>: the stack and where its engine is. Nothing of a deploy (compose file, variables,
/// prune, registry credentials): a removal finds the stack's services and networks by its namespace label, and a workflow
/// that passes a deploy's input here is refused when it loads, naming the input.
/// </summary>
public sealed record StackRemoveInputs : DockerEndpointInputs
{
    /// <summary>Gets the stack name (the namespace its services and networks carry).</summary>
    public required string Stack { get; init; }
}

/// <summary>Outputs of <c>docker.stack.remove</c>.</summary>
/// <param name="Stack">The stack name.</param>
/// <param name="Services">The removed services.</param>
/// <param name="Networks">The removed networks.</param>
public sealed record StackRemoveOutputs(string Stack, IReadOnlyList<string> Services, IReadOnlyList<string> Networks);

/// <summary>
/// <c>docker.stack.remove</c>: removes a stack's services, then (once their tasks are gone) its networks,
/// like <c>docker stack rm</c>. Named volumes are kept, as the CLI keeps them.
/// </summary>
public sealed class StackRemoveAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<StackRemoveInputs, StackRemoveOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(StackRemoveInputs inputs) => $"Removing stack {inputs.Stack}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(StackRemoveInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var state = context.GetState<StackRemoveOutputs>() ?? new StackRemoveOutputs(inputs.Stack, [], []);
        if (context.PollCount == 0)
        {
            await SwarmRollout.EnsureManagerAsync(client, endpoint, ct);
        }

        var services = state.Services.ToList();
        foreach (var service in await SwarmRollout.FindServicesByLabelAsync(client, WorkflowLabels.StackNamespace, inputs.Stack, ct))
        {
            try
            {
                await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/services/{service.ID}", () => client.Swarm.RemoveServiceAsync(service.ID, ct));
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }

            await context.Resources.MarkDeletedAsync("docker.service", service.ID, endpoint.Display, ct);
            services.Add(service.Spec.Name);
            context.Log.WriteLine($"stack {inputs.Stack}: removed service {service.Spec.Name}");
        }

        var networks = state.Networks.ToList();
        var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{WorkflowLabels.StackNamespace}={inputs.Stack}"] = true } };
        var busy = new List<string>();
        var leaving = new List<string>();
        foreach (var network in await client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }, ct))
        {
            try
            {
                await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/networks/{network.ID}", () => client.Networks.DeleteNetworkAsync(network.ID, ct));
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Removed from the swarm already (an earlier poll): the engine still lists its local copy a moment longer.
            }
            catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.InternalServerError)
            {
                // Tasks of the removed services still hold endpoints on it; they go away within seconds.
                busy.Add(network.Name);
                continue;
            }

            await context.Resources.MarkDeletedAsync("docker.network", network.ID, endpoint.Display, ct);
            if (!networks.Contains(network.Name, StringComparer.Ordinal))
            {
                networks.Add(network.Name);
                context.Log.WriteLine($"stack {inputs.Stack}: removed network {network.Name}");
            }

            // A swarm network's removal is accepted before the engine drops its local copy: wait until it is no longer
            // listed, so that a completed step means the stack is gone (a check right after finds nothing).
            leaving.Add(network.Name);
        }

        var next = new StackRemoveOutputs(inputs.Stack, services, networks);
        if (busy.Count > 0)
        {
            return StepResult.Pending(options.Value.PollInterval, $"waiting for tasks to leave network(s) {string.Join(", ", busy)}", next);
        }

        if (leaving.Count > 0)
        {
            return StepResult.Pending(options.Value.PollInterval, $"waiting for the engine to drop network(s) {string.Join(", ", leaving)}", next);
        }

        await context.Resources.MarkDeletedAsync("docker.stack", inputs.Stack, endpoint.Display, ct);
        return Completed(next);
    }
}
