using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Containers;

namespace Workflows.Docker.Actions;

/// <summary><c>docker.container.remove</c>: removes every container of an app (also the compensation of <c>docker.container.run</c>).</summary>
public sealed class ContainerRemoveAction(IDockerClientFactory clients) : DockerAction<ContainerRemoveInputs, ContainerRemoveOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ContainerRemoveInputs inputs) => $"Removing containers of {inputs.App}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ContainerRemoveInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var removed = new List<string>();
        foreach (var container in await ContainerRunAction.ListAppAsync(client, inputs.App, ct))
        {
            try
            {
                await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/containers/{container.ID}", () =>
                    client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct));
            }
            catch (DockerContainerNotFoundException)
            {
            }

            await context.Resources.MarkDeletedAsync("docker.container", container.ID, endpoint.Display, ct);
            removed.Add(container.ID);
            context.Log.WriteLine($"container {container.Names.FirstOrDefault()?.TrimStart('/')}: removed");
        }

        return Completed(new ContainerRemoveOutputs(removed));
    }
}
