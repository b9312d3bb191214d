using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Images;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>Outputs of <c>docker.service.deploy</c>.</summary>
/// <param name="ServiceId">The service id.</param>
/// <param name="Name">The service name.</param>
/// <param name="Image">The image it runs.</param>
/// <param name="Version">The spec version index after the rollout.</param>
/// <param name="Replicas">The number of replicas.</param>
/// <param name="Changed">Whether this step created or updated the service (false: it already had this spec).</param>
public sealed record ServiceDeployOutputs(string ServiceId, string Name, string Image, ulong Version, int Replicas, bool Changed);

/// <summary>
/// <c>docker.service.deploy</c>: creates or updates a Swarm service and waits, through polls, until the
/// new spec has converged. A failed update ends when Docker's rollback has converged, and fails the step
/// with Docker's reason.
/// </summary>
public sealed class ServiceDeployAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<ServiceDeployInputs, ServiceDeployOutputs>(clients), IPlannableAction
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads: the engine's info (an active swarm manager), the service by name and its live spec, the networks (to
    /// name them), the image on the engine. Shows <c>create</c>, nothing to do (the live service has this spec's
    /// hash), or an update with a diff (image v1 -> v2, replicas, ports, env with sensitive values masked).
    /// Cannot know in advance: whether the registry has the image and the nodes can pull it, whether the new tasks
    /// become healthy (the rollout may be rolled back).
    /// </remarks>
    public async Task<StepPlan> PlanAsync(PlanContext context)
    {
        var plan = new StepPlanBuilder();
        if (DockerPlans.Unknown(context, plan, "name", "host", "tlsVerify", "certPath", "caCert", "clientCert", "clientKey") is { } unknownSummary)
        {
            return plan.Build(PlanAction.Unknown, $"deploy a service whose {unknownSummary}");
        }

        var inputs = DockerPlans.Bind<ServiceDeployInputs>(context, plan, "image");
        ServiceSpec spec;
        try
        {
            spec = ServiceSpecBuilder.Build(inputs);
        }
        catch (StepFailedException e)
        {
            plan.Error("inputs", DockerPlans.FieldOf(e.Message), e.Message);
            return plan.Build(PlanAction.Unknown, $"deploy service {inputs.Name}: its inputs do not fit");
        }

        return await DockerPlans.WithEngineAsync(Clients, inputs, plan, context, $"deploy service {inputs.Name}", async (client, endpoint) =>
        {
            var networks = await SwarmPlanner.ReadNetworksAsync(client, context.CancellationToken);
            var action = await SwarmPlanner.PlanServiceAsync(client, spec, plan, "with.name", networks, context.CancellationToken);
            if (context.IsKnown("image") && action != PlanAction.NoChange)
            {
                await SwarmPlanner.CheckImageAsync(client, endpoint, inputs.Image, plan, "with.image", context.CancellationToken);
            }

            var replicas = inputs.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (action, action switch
            {
                PlanAction.Create => $"create service {inputs.Name} ({inputs.Image}, {replicas} replica(s)) on {endpoint}",
                PlanAction.NoChange => $"service {inputs.Name} on {endpoint} already has this spec: nothing to do",
                _ => $"update service {inputs.Name} on {endpoint} to {inputs.Image}, {replicas} replica(s)",
            });
        });
    }

    /// <inheritdoc />
    protected override string Describe(ServiceDeployInputs inputs) => $"Deploying service {inputs.Name}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ServiceDeployInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var state = context.GetState<RolloutState>();
        if (state is null)
        {
            await SwarmRollout.EnsureManagerAsync(client, endpoint, context.CancellationToken);
            var spec = ServiceSpecBuilder.Build(inputs);
            var auth = RegistryAuth.From(inputs.Image, inputs.RegistryUsername, inputs.RegistryPassword);
            state = await SwarmRollout.ApplyAsync(client, endpoint, spec, context, auth);
        }

        var check = await SwarmRollout.CheckAsync(client, state, context);
        switch (check.Status)
        {
            case ConvergenceStatus.Converged:
                context.Log.WriteLine($"service {state.ServiceName}: converged at version {check.Version} ({check.Progress})");
                return Completed(new ServiceDeployOutputs(state.ServiceId, state.ServiceName, check.Image ?? inputs.Image, check.Version, inputs.Replicas, state.Changed));
            case ConvergenceStatus.RolledBack:
                context.Log.WriteLine($"service {state.ServiceName}: rolled back by Docker to {check.Image}");
                return StepResult.Failed("docker.service.rolled_back", $"The update of service {state.ServiceName} on {endpoint} to {inputs.Image} failed and Docker rolled it back to {check.Image}: {check.Reason}", retryable: false);
            case ConvergenceStatus.Failed:
                return StepResult.Failed("docker.service.update_failed", $"The rollout of service {state.ServiceName} on {endpoint} failed: {check.Reason}", retryable: false);
            default:
                return StepResult.Pending(options.Value.PollInterval, check.Progress, state);
        }
    }
}
