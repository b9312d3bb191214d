namespace Workflows.Docker.Swarm;

/// <summary>Inputs of <c>docker.service.rollback</c> and <c>docker.service.remove</c>.</summary>
public sealed record ServiceTargetInputs : DockerEndpointInputs
{
    /// <summary>Gets the service name. When absent in a compensation, the service is found by the compensated step's idempotency key.</summary>
    public string? Name { get; init; }
}
