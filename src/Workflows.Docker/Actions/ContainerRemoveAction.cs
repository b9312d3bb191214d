using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Containers;

namespace Workflows.Docker.Actions;

/// <summary>
/// <c>docker.container.remove</c>: removes every container of an app (also the compensation of <c>docker.container.run</c>),
/// or one container by id or name (the Resources page's Delete of a <c>docker.container</c>). A container already gone is a
/// success; each one removed is marked deleted in the resource ledger.
/// </summary>
public sealed class ContainerRemoveAction(IDockerClientFactory clients) : DockerAction<ContainerRemoveInputs, ContainerRemoveOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ContainerRemoveInputs inputs) =>
        inputs.Container is { Length: > 0 } container ? $"Removing container {container}" : $"Removing containers of {inputs.App}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ContainerRemoveInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var byApp = !string.IsNullOrWhiteSpace(inputs.App);
        var byContainer = !string.IsNullOrWhiteSpace(inputs.Container);
        if (byApp == byContainer)
        {
            return StepResult.Failed("inputs.invalid", byApp ? "app and container: give one of them, not both." : "app: give the app whose containers are removed, or container: one container's id or name.", retryable: false);
        }

        return byApp ? await RemoveAppAsync(inputs.App!, context, client, endpoint) : await RemoveOneAsync(inputs.Container!, context, client, endpoint);
    }

    private async Task<StepResult> RemoveAppAsync(string app, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var removed = new List<string>();
        foreach (var container in await ContainerRunAction.ListAppAsync(client, app, ct))
        {
            await RemoveAsync(container.ID, context, client, endpoint);
            removed.Add(container.ID);
            context.Log.WriteLine($"container {container.Names.FirstOrDefault()?.TrimStart('/')}: removed");
        }

        return Completed(new ContainerRemoveOutputs(removed));
    }

    private async Task<StepResult> RemoveOneAsync(string idOrName, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        ContainerInspectResponse container;
        try
        {
            container = await DockerAudit.CallAsync(context, endpoint, "GET", $"/containers/{idOrName}/json", () => client.Containers.InspectContainerAsync(idOrName, ct));
        }
        catch (DockerContainerNotFoundException)
        {
            // Removed already (by an earlier execution, or behind our back): the ledger row is stale, not the container live.
            context.Log.WriteLine($"container {idOrName}: already gone");
            await context.Resources.MarkDeletedAsync("docker.container", idOrName, endpoint.Display, ct);
            return Completed(new ContainerRemoveOutputs([]));
        }

        await RemoveAsync(container.ID, context, client, endpoint);
        context.Log.WriteLine($"container {container.Name.TrimStart('/')} ({container.ID[..12]}): removed");
        return Completed(new ContainerRemoveOutputs([container.ID]));
    }

    private static async Task RemoveAsync(string id, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        try
        {
            await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/containers/{id}", () =>
                client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, ct));
        }
        catch (DockerContainerNotFoundException)
        {
        }

        await context.Resources.MarkDeletedAsync("docker.container", id, endpoint.Display, ct);
    }
}
