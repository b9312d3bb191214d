using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Containers;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>
/// <c>docker.container.run</c> for a plain Docker host: creates and starts the app's new container, waits
/// (through polls) until it is healthy, and only then stops and removes the app's previous container and
/// gives the new one the app's name. An unhealthy new container is removed and the old one keeps running.
/// </summary>
public sealed class ContainerRunAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<ContainerRunInputs, ContainerRunOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ContainerRunInputs inputs) => $"Running container {inputs.App}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ContainerRunInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var state = context.GetState<ContainerRunState>() ?? await StartAsync(inputs, context, client, endpoint);

        var container = await client.Containers.InspectContainerAsync(state.ContainerId, ct);
        var health = container.State.Health?.Status;
        var hasCheck = container.Config.Healthcheck?.Test is { Count: > 0 } t && t[0] != "NONE";
        if (!container.State.Running || health == "unhealthy")
        {
            var why = !container.State.Running
                ? $"exited with code {container.State.ExitCode}{(string.IsNullOrEmpty(container.State.Error) ? string.Empty : $" ({container.State.Error})")}"
                : $"is unhealthy: {container.State.Health?.Log?.LastOrDefault()?.Output?.Trim()}";
            context.Log.WriteLine($"container {container.Name.TrimStart('/')}: {why}; removing it, the previous container keeps running");
            await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/containers/{container.ID}", () =>
                client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct));
            await context.Resources.MarkDeletedAsync("docker.container", container.ID, endpoint.Display, ct);
            return StepResult.Failed("docker.container.unhealthy", $"The new container of {inputs.App} on {endpoint} ({inputs.Image}) {why}; the previous container was left running.", retryable: false);
        }

        if (hasCheck && health != "healthy")
        {
            return StepResult.Pending(options.Value.PollInterval, $"{inputs.App}: waiting for the new container to be healthy ({health ?? "starting"})", state);
        }

        context.Log.WriteLine($"container {container.Name.TrimStart('/')}: {(hasCheck ? "healthy" : "running")}");
        var replaced = new List<string>();
        foreach (var old in await ListAppAsync(client, inputs.App, ct))
        {
            if (old.ID == container.ID)
            {
                continue;
            }

            await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/containers/{old.ID}", () =>
                client.Containers.RemoveContainerAsync(old.ID, new ContainerRemoveParameters { Force = true }, ct));
            await context.Resources.MarkDeletedAsync("docker.container", old.ID, endpoint.Display, ct);
            replaced.Add(old.ID);
            context.Log.WriteLine($"container {old.Names.FirstOrDefault()?.TrimStart('/')}: replaced, removed {SwarmRollout.Short(old.ID)}");
        }

        var name = container.Name.TrimStart('/');
        if (name != inputs.App)
        {
            await DockerAudit.CallAsync(context, endpoint, "POST", $"/containers/{container.ID}/rename", () =>
                client.Containers.RenameContainerAsync(container.ID, new ContainerRenameParameters { NewName = inputs.App }, ct));
            name = inputs.App;
        }

        return Completed(new ContainerRunOutputs(container.ID, name, inputs.Image, replaced, state.Changed));
    }

    internal static async Task<IList<ContainerListResponse>> ListAppAsync(IDockerClient client, string app, CancellationToken ct) =>
        await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{WorkflowLabels.App}={app}"] = true } },
            },
            ct);

    private static async Task<ContainerRunState> StartAsync(ContainerRunInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var parameters = Build(inputs);
        var hash = WorkflowLabels.Hash(parameters);
        parameters.Labels[WorkflowLabels.SpecHash] = hash;
        parameters.Labels[WorkflowLabels.IdempotencyKey] = context.IdempotencyKey;
        parameters.Labels[WorkflowLabels.RunId] = context.RunId.ToString();

        var app = await ListAppAsync(client, inputs.App, ct);
        var same = app.FirstOrDefault(c => c.Labels.Label(WorkflowLabels.SpecHash) == hash);
        if (same is not null)
        {
            // An earlier execution created it, or the app already runs exactly this spec.
            var changed = same.Labels.Label(WorkflowLabels.IdempotencyKey) == context.IdempotencyKey;
            context.Log.WriteLine($"container {same.Names.FirstOrDefault()?.TrimStart('/')}: already has this spec ({same.State}); adopting {SwarmRollout.Short(same.ID)}");
            if (changed)
            {
                // A crash between create and record would otherwise leave it out of the ledger.
                await context.Resources.RecordAsync(new ResourceRecord("docker.container", same.ID, same.Names.FirstOrDefault()?.TrimStart('/'), endpoint.Display, new Dictionary<string, string> { ["image"] = inputs.Image, ["app"] = inputs.App }), ct);
            }

            if (same.State != "running")
            {
                await DockerAudit.CallAsync(context, endpoint, "POST", $"/containers/{same.ID}/start", () => client.Containers.StartContainerAsync(same.ID, new ContainerStartParameters(), ct));
            }

            return new ContainerRunState(same.ID, hash, changed);
        }

        parameters.Name = $"{inputs.App}-{hash[..8]}";
        var created = await DockerAudit.CallAsync(context, endpoint, "POST", "/containers/create", () => client.Containers.CreateContainerAsync(parameters, ct));
        await context.Resources.RecordAsync(new ResourceRecord("docker.container", created.ID, parameters.Name, endpoint.Display, new Dictionary<string, string> { ["image"] = inputs.Image, ["app"] = inputs.App }), ct);
        await DockerAudit.CallAsync(context, endpoint, "POST", $"/containers/{created.ID}/start", () => client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct));
        context.Log.WriteLine($"container {parameters.Name}: created and started {SwarmRollout.Short(created.ID)} from {inputs.Image}");
        return new ContainerRunState(created.ID, hash, true);
    }

    private static CreateContainerParameters Build(ContainerRunInputs inputs)
    {
        var labels = new Dictionary<string, string>(inputs.Labels ?? new Dictionary<string, string>()) { [WorkflowLabels.App] = inputs.App };
        var ports = new Dictionary<string, IList<PortBinding>>();
        var exposed = new Dictionary<string, EmptyStruct>();
        foreach (var port in inputs.Ports ?? [])
        {
            var parts = port.Split(':');
            var container = parts[^1].Contains('/', StringComparison.Ordinal) ? parts[^1] : $"{parts[^1]}/tcp";
            exposed[container] = default;
            ports[container] = [new PortBinding { HostPort = parts.Length > 1 ? parts[0] : string.Empty }];
        }

        var restart = inputs.RestartPolicy switch
        {
            "no" => RestartPolicyKind.No,
            "always" => RestartPolicyKind.Always,
            "on-failure" => RestartPolicyKind.OnFailure,
            "unless-stopped" => RestartPolicyKind.UnlessStopped,
            _ => throw new StepFailedException("inputs.invalid", $"restartPolicy: '{inputs.RestartPolicy}' is not one of no, always, unless-stopped, on-failure.", retryable: false),
        };

        return new CreateContainerParameters
        {
            Image = inputs.Image,
            Cmd = inputs.Command?.ToList(),
            Entrypoint = inputs.Entrypoint?.ToList(),
            Env = inputs.Env?.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = labels,
            ExposedPorts = exposed.Count > 0 ? exposed : null,
            Healthcheck = inputs.Healthcheck is { } h
                ? new HealthConfig
                {
                    Test = ["CMD-SHELL", h.Command],
                    Interval = Units.ParseDuration(h.Interval, "healthcheck.interval"),
                    Timeout = Units.ParseDuration(h.Timeout, "healthcheck.timeout"),
                    Retries = h.Retries,
                    StartPeriod = Units.Nanoseconds(Units.ParseDuration(h.StartPeriod, "healthcheck.startPeriod")),
                }
                : null,
            HostConfig = new HostConfig
            {
                NetworkMode = inputs.NetworkMode,
                Binds = inputs.Binds?.ToList(),
                PortBindings = ports.Count > 0 ? ports : null,
                RestartPolicy = new RestartPolicy { Name = restart },
            },
        };
    }
}
