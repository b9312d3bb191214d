using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Compose;
using Workflows.Docker.Images;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>
/// <c>docker.stack.deploy</c>: deploys a compose file to Swarm as a namespaced stack, like
/// <c>docker stack deploy --prune</c>: networks, services, named volumes; then waits until every service converged.
/// </summary>
public sealed class StackDeployAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<StackInputs, StackDeployOutputs>(clients), IPlannableAction
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads the compose file (interpolated as a deploy would), then from the engine: its info (an active swarm
    /// manager), the stack's networks (created, or an external one that is missing), each service's live spec against
    /// the new one (create, nothing to do, or an update with a diff), the services <c>prune</c> would remove, and
    /// whether each image is on the engine. Cannot know in advance: whether a missing image can be pulled, whether the
    /// new tasks become healthy.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(PlanContext context)
    {
        var plan = new StepPlanBuilder();
        if (DockerPlans.Unknown(context, plan, "stack", "compose", "composeFile", "variables", "env", "host", "tlsVerify", "certPath", "caCert", "clientCert", "clientKey") is { } unknownSummary)
        {
            return plan.Build(PlanAction.Unknown, $"deploy a stack whose {unknownSummary}");
        }

        var inputs = DockerPlans.Bind<StackInputs>(context, plan);
        ComposeFile file;
        try
        {
            file = await LoadAsync(inputs, line => plan.Passed("variables", line), context.CancellationToken);
        }
        catch (Exception e) when (e is StepFailedException or IOException or UnauthorizedAccessException)
        {
            plan.Error("compose", inputs.Compose is null ? "with.composeFile" : "with.compose", e.Message);
            return plan.Build(PlanAction.Unknown, $"deploy stack {inputs.Stack}: its compose file cannot be used");
        }

        foreach (var warning in file.Warnings)
        {
            plan.Warning("compose", inputs.Compose is null ? "with.composeFile" : "with.compose", warning);
        }

        var specs = new List<ServiceSpec>();
        try
        {
            specs.AddRange(file.Services.Select(kv => StackSpecBuilder.Build(inputs.Stack, kv.Key, kv.Value, file)));
        }
        catch (StepFailedException e)
        {
            plan.Error("compose", inputs.Compose is null ? "with.composeFile" : "with.compose", e.Message);
            return plan.Build(PlanAction.Unknown, $"deploy stack {inputs.Stack}: its compose file cannot be used");
        }

        var field = inputs.Compose is null ? "with.composeFile" : "with.compose";
        return await DockerPlans.WithEngineAsync(Clients, inputs, plan, context, $"deploy stack {inputs.Stack}", async (client, endpoint) =>
        {
            var ct = context.CancellationToken;
            var actions = new List<PlanAction>();
            var networks = await SwarmPlanner.ReadNetworksAsync(client, ct);
            var networkKeys = file.Services.Values.SelectMany(s => s.Networks.Count > 0 ? s.Networks.Keys.ToList() : ["default"]).Distinct(StringComparer.Ordinal);
            foreach (var key in networkKeys)
            {
                var declared = file.Networks.GetValueOrDefault(key);
                var name = StackSpecBuilder.NetworkName(inputs.Stack, key, declared);
                if (networks.ById.Values.Contains(name, StringComparer.Ordinal))
                {
                    plan.Passed($"network {name}", "exists");
                }
                else if (declared is { External: true })
                {
                    plan.Error($"network {name}", field, $"external network '{name}' does not exist on {endpoint}");
                }
                else
                {
                    plan.Resource(SwarmPlanner.NetworkKind, name, PlanAction.Create, new Dictionary<string, string> { ["driver"] = declared?.Driver ?? "overlay" });
                    actions.Add(PlanAction.Create);
                }
            }

            foreach (var spec in specs)
            {
                var action = await SwarmPlanner.PlanServiceAsync(client, spec, plan, field, networks, ct);
                actions.Add(action);
                if (action != PlanAction.NoChange && spec.TaskTemplate.ContainerSpec.Image is { Length: > 0 } image)
                {
                    await SwarmPlanner.CheckImageAsync(client, endpoint, image, plan, field, ct);
                }
            }

            if (inputs.Prune)
            {
                var wanted = specs.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var stale in await SwarmRollout.FindServicesByLabelAsync(client, WorkflowLabels.StackNamespace, inputs.Stack, ct))
                {
                    if (!wanted.Contains(stale.Spec.Name))
                    {
                        plan.Resource(SwarmPlanner.ServiceKind, stale.Spec.Name, PlanAction.Delete, SwarmPlanner.Mask(SwarmPlanner.Describe(stale.Spec, networks)));
                        actions.Add(PlanAction.Delete);
                    }
                }
            }

            var overall = actions.All(a => a == PlanAction.NoChange) ? PlanAction.NoChange
                : actions.Contains(PlanAction.Update) || actions.Contains(PlanAction.Delete) || (actions.Contains(PlanAction.Create) && actions.Contains(PlanAction.NoChange)) ? PlanAction.Update
                : PlanAction.Create;
            var counts = string.Join(", ", new[] { (PlanAction.Create, "to create"), (PlanAction.Update, "to update"), (PlanAction.Delete, "to prune"), (PlanAction.NoChange, "unchanged") }
                .Select(x => (Count: actions.Count(a => a == x.Item1), x.Item2)).Where(x => x.Count > 0).Select(x => $"{x.Count} {x.Item2}"));
            return (overall, $"deploy stack {inputs.Stack} ({specs.Count} service(s)) on {endpoint}: {counts}");
        });
    }

    /// <inheritdoc />
    protected override string Describe(StackInputs inputs) => $"Deploying stack {inputs.Stack}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(StackInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var state = context.GetState<StackState>() ?? await StartAsync(inputs, context, client, endpoint);
        var progress = new List<string>();
        foreach (var service in state.Services.Where(s => !state.Converged.Contains(s.ServiceName)))
        {
            var check = await SwarmRollout.CheckAsync(client, service, context);
            switch (check.Status)
            {
                case ConvergenceStatus.Converged:
                    state.Converged.Add(service.ServiceName);
                    context.Log.WriteLine($"service {service.ServiceName}: converged at version {check.Version}");
                    break;
                case ConvergenceStatus.RolledBack:
                    return StepResult.Failed("docker.service.rolled_back", $"Stack {inputs.Stack} on {endpoint}: the update of service {service.ServiceName} failed and Docker rolled it back to {check.Image}: {check.Reason}", retryable: false);
                case ConvergenceStatus.Failed:
                    return StepResult.Failed("docker.service.update_failed", $"Stack {inputs.Stack} on {endpoint}: service {service.ServiceName} failed: {check.Reason}", retryable: false);
                default:
                    progress.Add(check.Progress);
                    break;
            }
        }

        if (progress.Count > 0)
        {
            return StepResult.Pending(options.Value.PollInterval, string.Join("; ", progress), state);
        }

        context.Log.WriteLine($"stack {inputs.Stack}: {state.Services.Count} service(s) converged");
        return Completed(new StackDeployOutputs(
            inputs.Stack,
            state.Services.Select(s => s.ServiceName).ToList(),
            state.Networks,
            state.Pruned,
            state.Services.Where(s => s.Changed).Select(s => s.ServiceName).ToList()));
    }

    private static async Task<StackState> StartAsync(StackInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var file = await LoadAsync(inputs, context.Log.WriteLine, ct);
        foreach (var warning in file.Warnings)
        {
            context.Log.WriteLine($"stack {inputs.Stack}: warning: {warning}");
        }

        await SwarmRollout.EnsureManagerAsync(client, endpoint, ct);
        var state = new StackState();

        var networkKeys = file.Services.Values.SelectMany(s => s.Networks.Count > 0 ? s.Networks.Keys.ToList() : ["default"]).Distinct(StringComparer.Ordinal);
        foreach (var key in networkKeys)
        {
            var declared = file.Networks.GetValueOrDefault(key);
            var name = StackSpecBuilder.NetworkName(inputs.Stack, key, declared);
            state.Networks.Add(name);
            await EnsureNetworkAsync(client, endpoint, context, inputs.Stack, name, declared);
        }

        var auth = file.Services.Values.Select(s => s.Image).FirstOrDefault() is { } firstImage
            ? RegistryAuth.From(firstImage, inputs.RegistryUsername, inputs.RegistryPassword)
            : null;
        var ledger = new Dictionary<string, string> { ["stack"] = inputs.Stack };
        foreach (var (name, service) in file.Services)
        {
            var spec = StackSpecBuilder.Build(inputs.Stack, name, service, file);
            state.Services.Add(await SwarmRollout.ApplyAsync(client, endpoint, spec, context, auth, ledger));
        }

        if (inputs.Prune)
        {
            var wanted = state.Services.Select(s => s.ServiceName).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in await SwarmRollout.FindServicesByLabelAsync(client, WorkflowLabels.StackNamespace, inputs.Stack, ct))
            {
                if (wanted.Contains(stale.Spec.Name))
                {
                    continue;
                }

                await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/services/{stale.ID}", () => client.Swarm.RemoveServiceAsync(stale.ID, ct));
                await context.Resources.MarkDeletedAsync("docker.service", stale.ID, endpoint.Display, ct);
                state.Pruned.Add(stale.Spec.Name);
                context.Log.WriteLine($"stack {inputs.Stack}: pruned service {stale.Spec.Name} (no longer in the compose file)");
            }
        }

        await context.Resources.RecordAsync(new ResourceRecord("docker.stack", inputs.Stack, inputs.Stack, endpoint.Display, new Dictionary<string, string> { ["services"] = string.Join(",", state.Services.Select(s => s.ServiceName)) }), ct);
        return state;
    }

    /// <summary>Reads, interpolates and parses the compose file; refuses unsupported keys and invalid files.</summary>
    /// <exception cref="StepFailedException">Codes <c>inputs.invalid</c>, <c>docker.compose.unsupported</c>, <c>docker.compose.invalid</c>.</exception>
    private static async Task<ComposeFile> LoadAsync(StackInputs inputs, Action<string> log, CancellationToken ct)
    {
        var text = inputs.Compose ?? (inputs.ComposeFile is { } path
            ? await File.ReadAllTextAsync(path, ct)
            : throw new StepFailedException("inputs.invalid", "compose or composeFile: one is required.", retryable: false));
        var variables = new ComposeVariables().With(inputs.Variables ?? []);
        if (!string.IsNullOrWhiteSpace(inputs.Env))
        {
            variables.WithDefaults(inputs.Env, "env");
        }

        if (inputs.Compose is null && inputs.ComposeFile is { } composePath && Path.Combine(Path.GetDirectoryName(Path.GetFullPath(composePath))!, ".env") is var dotEnv && File.Exists(dotEnv))
        {
            variables.WithDefaults(await File.ReadAllTextAsync(dotEnv, ct), dotEnv);
            log($"stack {inputs.Stack}: variables from {dotEnv}");
        }

        var file = ComposeParser.Parse(text, variables);
        if (file.UnsupportedKeys.Count > 0)
        {
            throw new StepFailedException("docker.compose.unsupported", $"Stack {inputs.Stack}: the compose file uses keys that are not supported: {string.Join(", ", file.UnsupportedKeys)}.", retryable: false);
        }

        if (file.Errors.Count > 0)
        {
            throw new StepFailedException("docker.compose.invalid", $"Stack {inputs.Stack}: the compose file is invalid: {string.Join("; ", file.Errors)}.", retryable: false);
        }

        return file;
    }

    private static async Task EnsureNetworkAsync(IDockerClient client, DockerEndpoint endpoint, StepContext context, string stack, string name, ComposeNetwork? declared)
    {
        var ct = context.CancellationToken;
        var existing = (await client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } } }, ct))
            .FirstOrDefault(n => n.Name == name);
        if (existing is not null)
        {
            if (existing.Labels.Label(WorkflowLabels.IdempotencyKey) == context.IdempotencyKey)
            {
                // Created by an earlier execution of this step that may have stopped before recording it.
                await context.Resources.RecordAsync(new ResourceRecord("docker.network", existing.ID, name, endpoint.Display, new Dictionary<string, string> { ["stack"] = stack }), ct);
            }

            return;
        }

        if (declared is { External: true })
        {
            throw new StepFailedException("docker.network.not_found", $"Stack {stack}: external network '{name}' does not exist on {endpoint}.", retryable: false);
        }

        var labels = new Dictionary<string, string>(declared?.Labels ?? [])
        {
            [WorkflowLabels.StackNamespace] = stack,
            [WorkflowLabels.IdempotencyKey] = context.IdempotencyKey,
        };
        var created = await DockerAudit.CallAsync(context, endpoint, "POST", "/networks/create", () => client.Networks.CreateNetworkAsync(
            new NetworksCreateParameters
            {
                Name = name,
                Driver = declared?.Driver ?? "overlay",
                Attachable = declared?.Attachable ?? false,
                Labels = labels,
                Options = declared?.DriverOpts,
                CheckDuplicate = true,
            },
            ct));
        await context.Resources.RecordAsync(new ResourceRecord("docker.network", created.ID, name, endpoint.Display, new Dictionary<string, string> { ["stack"] = stack }), ct);
        context.Log.WriteLine($"stack {stack}: created network {name} ({SwarmRollout.Short(created.ID)})");
    }
}
