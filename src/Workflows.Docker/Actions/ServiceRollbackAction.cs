using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>Outputs of <c>docker.service.rollback</c>.</summary>
/// <param name="ServiceId">The service id, when there was a service.</param>
/// <param name="Outcome"><c>rolled-back</c>, <c>removed</c> (the undone step had created it) or <c>unchanged</c>.</param>
/// <param name="Image">The image the service runs afterwards.</param>
public sealed record ServiceRollbackOutputs(string? ServiceId, string Outcome, string? Image);

/// <summary>
/// <c>docker.service.rollback</c>: rolls a service back to its previous spec and waits until that has
/// converged. As a compensation it touches the service only if the undone step changed it, and removes
/// it when that step had created it.
/// </summary>
public sealed class ServiceRollbackAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<ServiceTargetInputs, ServiceRollbackOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ServiceTargetInputs inputs) => $"Rolling back service {inputs.Name}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ServiceTargetInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        var state = context.GetState<RolloutState>();
        if (state is null)
        {
            await SwarmRollout.EnsureManagerAsync(client, endpoint, ct);
            var undoneKey = context.Compensating?.IdempotencyKey;
            var service = await FindAsync(client, inputs.Name, undoneKey, ct);
            if (service is null)
            {
                context.Log.WriteLine($"service {inputs.Name ?? "(by key)"}: not found, nothing to roll back");
                return Completed(new ServiceRollbackOutputs(null, "unchanged", null));
            }

            var name = service.Spec.Name;
            if (undoneKey is not null && service.Spec.Labels.Label(WorkflowLabels.IdempotencyKey) != undoneKey)
            {
                // Already rolled back (an earlier execution of this compensation), or the step never got to change it.
                context.Log.WriteLine($"service {name}: not changed by step {context.Compensating!.StepId}, nothing to roll back");
                return Completed(new ServiceRollbackOutputs(service.ID, "unchanged", service.Spec.TaskTemplate?.ContainerSpec?.Image));
            }

            if (service.PreviousSpec is null)
            {
                if (undoneKey is not null && service.Spec.Labels.Label(WorkflowLabels.CreatedBy) == undoneKey)
                {
                    await DockerAudit.CallAsync(context, endpoint, "DELETE", $"/services/{service.ID}", () => client.Swarm.RemoveServiceAsync(service.ID, ct));
                    await context.Resources.MarkDeletedAsync("docker.service", service.ID, endpoint.Display, ct);
                    context.Log.WriteLine($"service {name}: removed (created by the undone step, no previous spec)");
                    return Completed(new ServiceRollbackOutputs(service.ID, "removed", null));
                }

                return StepResult.Failed("docker.service.no_previous_spec", $"Service {name} on {endpoint} has no previous spec to roll back to.", retryable: false);
            }

            state = await SwarmRollout.StartRollbackAsync(client, endpoint, service, context);
        }

        var check = await SwarmRollout.CheckAsync(client, state, context);
        return check.Status switch
        {
            ConvergenceStatus.Converged => Done(state, check, context),
            ConvergenceStatus.InProgress => StepResult.Pending(options.Value.PollInterval, check.Progress, state),
            _ => StepResult.Failed("docker.service.rollback_failed", $"The rollback of service {state.ServiceName} on {endpoint} failed: {check.Reason}", retryable: false),
        };
    }

    internal static async Task<SwarmService?> FindAsync(IDockerClient client, string? name, string? key, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return await SwarmRollout.FindServiceAsync(client, name, ct);
        }

        if (key is null)
        {
            throw new StepFailedException("inputs.invalid", "name: required (outside a compensation there is no step key to find the service by).", retryable: false);
        }

        // A deploy's spec carries the key; after a rollback its previous spec does, so look at both.
        var services = await client.Swarm.ListServicesAsync(new ServicesListParameters(), ct);
        return services.FirstOrDefault(s => s.Spec.Labels.Label(WorkflowLabels.IdempotencyKey) == key || s.Spec.Labels.Label(WorkflowLabels.CreatedBy) == key);
    }

    private static StepResult Done(RolloutState state, Convergence check, StepContext context)
    {
        context.Log.WriteLine($"service {state.ServiceName}: rolled back to {check.Image} (version {check.Version})");
        return Completed(new ServiceRollbackOutputs(state.ServiceId, "rolled-back", check.Image));
    }
}
