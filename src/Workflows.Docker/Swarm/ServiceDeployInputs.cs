namespace Workflows.Docker.Swarm;

/// <summary>Inputs of <c>docker.service.deploy</c>: the Swarm service as users write it with <c>docker service create</c>.</summary>
public sealed record ServiceDeployInputs : DockerEndpointInputs
{
    /// <summary>Gets the service name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the image, e.g. <c>registry.example.com/app:1.4.2</c>.</summary>
    public required string Image { get; init; }

    /// <summary>Gets the command (replaces the image's entrypoint), if any.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Gets the arguments (replace the image's CMD), if any.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Gets the number of replicas. Default is 1.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Gets environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>Gets published ports.</summary>
    public IReadOnlyList<ServicePort>? Ports { get; init; }

    /// <summary>Gets service labels.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Gets container labels.</summary>
    public IReadOnlyDictionary<string, string>? ContainerLabels { get; init; }

    /// <summary>Gets mounts.</summary>
    public IReadOnlyList<ServiceMount>? Mounts { get; init; }

    /// <summary>Gets networks to attach (names or ids); <c>host</c> uses the host's network stack.</summary>
    public IReadOnlyList<string>? Networks { get; init; }

    /// <summary>Gets resource limits and reservations.</summary>
    public ServiceResources? Resources { get; init; }

    /// <summary>Gets placement constraints, e.g. <c>node.role==manager</c>.</summary>
    public IReadOnlyList<string>? Constraints { get; init; }

    /// <summary>Gets how updates roll out. Default is one task at a time, stop-first, 5s monitor, rollback on failure.</summary>
    public ServiceUpdatePolicy? UpdateConfig { get; init; }

    /// <summary>Gets how rollbacks roll out. Default is the same shape as <see cref="UpdateConfig"/> with failure action pause.</summary>
    public ServiceUpdatePolicy? RollbackConfig { get; init; }

    /// <summary>Gets how long a task may take to stop after SIGTERM before it is killed, e.g. <c>10s</c>. Default is Docker's (10s).</summary>
    public string? StopGracePeriod { get; init; }

    /// <summary>Gets the restart condition: <c>any</c>, <c>on-failure</c> or <c>none</c>. Default is Docker's (any).</summary>
    public string? RestartCondition { get; init; }

    /// <summary>Gets the registry user when the image needs credentials.</summary>
    public string? RegistryUsername { get; init; }

    /// <summary>Gets the registry password or token.</summary>
    public Workflows.Abstractions.Secrets.Secret? RegistryPassword { get; init; }
}

/// <summary>A published port.</summary>
public sealed record ServicePort
{
    /// <summary>Gets the container port.</summary>
    public required int Target { get; init; }

    /// <summary>Gets the published port; 0 lets Swarm choose.</summary>
    public int Published { get; init; }

    /// <summary>Gets the protocol. Default is tcp.</summary>
    public string Protocol { get; init; } = "tcp";

    /// <summary>Gets the publish mode: <c>ingress</c> (routing mesh) or <c>host</c>. Default is ingress.</summary>
    public string Mode { get; init; } = "ingress";
}

/// <summary>A mount.</summary>
public sealed record ServiceMount
{
    /// <summary>Gets the type: <c>volume</c>, <c>bind</c> or <c>tmpfs</c>. Default is volume.</summary>
    public string Type { get; init; } = "volume";

    /// <summary>Gets the volume name or host path.</summary>
    public string? Source { get; init; }

    /// <summary>Gets the path in the container.</summary>
    public required string Target { get; init; }

    /// <summary>Gets whether the mount is read-only.</summary>
    public bool ReadOnly { get; init; }
}

/// <summary>Limits and reservations.</summary>
public sealed record ServiceResources
{
    /// <summary>Gets the CPU limit in CPUs, e.g. 0.5.</summary>
    public double? CpuLimit { get; init; }

    /// <summary>Gets the memory limit, e.g. <c>128m</c>.</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Gets the CPU reservation in CPUs.</summary>
    public double? CpuReservation { get; init; }

    /// <summary>Gets the memory reservation, e.g. <c>64m</c>.</summary>
    public string? MemoryReservation { get; init; }
}

/// <summary>An update or rollback policy (<c>--update-*</c> / <c>--rollback-*</c>).</summary>
public sealed record ServiceUpdatePolicy
{
    /// <summary>Gets how many tasks change at once; 0 means all. Default is 1.</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Gets the pause between batches. Default is 0s.</summary>
    public string Delay { get; init; } = "0s";

    /// <summary>Gets the order: <c>stop-first</c> or <c>start-first</c>. Default is stop-first.</summary>
    public string Order { get; init; } = "stop-first";

    /// <summary>Gets the failure action: <c>rollback</c>, <c>pause</c> or <c>continue</c>. Default is rollback for updates, pause for rollbacks.</summary>
    public string? FailureAction { get; init; }

    /// <summary>Gets how long a new task is watched for failure. Default is 5s.</summary>
    public string Monitor { get; init; } = "5s";

    /// <summary>Gets the tolerated failure ratio (0 to 1). Default is 0.</summary>
    public double MaxFailureRatio { get; init; }
}
