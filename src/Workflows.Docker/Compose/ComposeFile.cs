using Workflows.Docker.Swarm;

namespace Workflows.Docker.Compose;

/// <summary>A compose file reduced to what a Swarm stack deploys.</summary>
public sealed class ComposeFile
{
    /// <summary>Gets the services by compose name.</summary>
    public Dictionary<string, ComposeService> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the top-level networks by compose name.</summary>
    public Dictionary<string, ComposeNetwork> Networks { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the top-level volumes by compose name.</summary>
    public Dictionary<string, ComposeVolume> Volumes { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the keys present in the file that this implementation does not support, as dotted paths.</summary>
    public List<string> UnsupportedKeys { get; } = [];

    /// <summary>Gets other problems (wrong types, bad values), each naming its path.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Gets the interpolation warnings (a variable without a value became the empty string), each naming its path and line.</summary>
    public List<string> Warnings { get; } = [];
}

/// <summary>One compose service.</summary>
public sealed class ComposeService
{
    /// <summary>Gets or sets the image.</summary>
    public string? Image { get; set; }

    /// <summary>Gets or sets the command (the image's CMD is replaced).</summary>
    public List<string>? Command { get; set; }

    /// <summary>Gets or sets the entrypoint.</summary>
    public List<string>? Entrypoint { get; set; }

    /// <summary>Gets the environment.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the container labels (<c>labels:</c>).</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the published ports.</summary>
    public List<ServicePort> Ports { get; } = [];

    /// <summary>Gets the mounts; a volume mount's source is the compose volume name.</summary>
    public List<ServiceMount> Volumes { get; } = [];

    /// <summary>Gets the networks (compose names) with their aliases.</summary>
    public Dictionary<string, List<string>> Networks { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the working directory.</summary>
    public string? WorkingDir { get; set; }

    /// <summary>Gets or sets the user.</summary>
    public string? User { get; set; }

    /// <summary>Gets or sets the hostname.</summary>
    public string? Hostname { get; set; }

    /// <summary>Gets or sets the stop grace period.</summary>
    public TimeSpan? StopGracePeriod { get; set; }

    /// <summary>Gets or sets the health check.</summary>
    public ComposeHealthcheck? Healthcheck { get; set; }

    /// <summary>Gets or sets the replicas (<c>deploy.replicas</c>). Default is 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Gets or sets the mode (<c>deploy.mode</c>): replicated or global.</summary>
    public string Mode { get; set; } = "replicated";

    /// <summary>Gets the service labels (<c>deploy.labels</c>).</summary>
    public Dictionary<string, string> DeployLabels { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets <c>deploy.update_config</c>.</summary>
    public ServiceUpdatePolicy? UpdateConfig { get; set; }

    /// <summary>Gets or sets <c>deploy.rollback_config</c>.</summary>
    public ServiceUpdatePolicy? RollbackConfig { get; set; }

    /// <summary>Gets or sets <c>deploy.restart_policy</c>.</summary>
    public ComposeRestartPolicy? RestartPolicy { get; set; }

    /// <summary>Gets or sets <c>deploy.resources</c>.</summary>
    public ServiceResources? Resources { get; set; }

    /// <summary>Gets <c>deploy.placement.constraints</c>.</summary>
    public List<string> Constraints { get; } = [];
}

/// <summary><c>deploy.restart_policy</c>.</summary>
public sealed record ComposeRestartPolicy(string? Condition, TimeSpan? Delay, ulong? MaxAttempts, TimeSpan? Window);

/// <summary><c>healthcheck</c>.</summary>
public sealed record ComposeHealthcheck(List<string>? Test, TimeSpan? Interval, TimeSpan? Timeout, int? Retries, TimeSpan? StartPeriod, bool Disable);

/// <summary>A top-level network.</summary>
public sealed record ComposeNetwork(string? Name, string Driver, bool External, bool Attachable, Dictionary<string, string> Labels, Dictionary<string, string> DriverOpts);

/// <summary>A top-level volume.</summary>
public sealed record ComposeVolume(string? Name, string? Driver, bool External, Dictionary<string, string> Labels, Dictionary<string, string> DriverOpts);
