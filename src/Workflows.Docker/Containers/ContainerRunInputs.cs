namespace Workflows.Docker.Containers;

/// <summary>Inputs of <c>docker.container.run</c>.</summary>
public sealed record ContainerRunInputs : DockerEndpointInputs
{
    /// <summary>Gets the app name: the final container name, and the label that finds the app's previous container.</summary>
    public required string App { get; init; }

    /// <summary>Gets the image.</summary>
    public required string Image { get; init; }

    /// <summary>Gets the command (replaces the image's CMD).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Gets the entrypoint.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Gets environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>Gets container labels.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Gets the network mode (<c>bridge</c>, <c>host</c>, <c>none</c> or a network name). Default is the engine's.</summary>
    public string? NetworkMode { get; init; }

    /// <summary>Gets binds, <c>/host/path:/container/path[:ro]</c> or <c>volume:/path</c>.</summary>
    public IReadOnlyList<string>? Binds { get; init; }

    /// <summary>Gets published ports, <c>hostPort:containerPort[/proto]</c>.</summary>
    public IReadOnlyList<string>? Ports { get; init; }

    /// <summary>Gets the restart policy: <c>no</c>, <c>always</c>, <c>unless-stopped</c>, <c>on-failure</c>. Default is unless-stopped.</summary>
    public string RestartPolicy { get; init; } = "unless-stopped";

    /// <summary>Gets the health check; without one the container counts as healthy once running.</summary>
    public ContainerHealthcheck? Healthcheck { get; init; }
}

/// <summary>A container health check (<c>--health-*</c>).</summary>
public sealed record ContainerHealthcheck
{
    /// <summary>Gets the shell command run inside the container; exit 0 means healthy.</summary>
    public required string Command { get; init; }

    /// <summary>Gets the interval between checks. Default is 2s.</summary>
    public string Interval { get; init; } = "2s";

    /// <summary>Gets the timeout of one check. Default is 5s.</summary>
    public string Timeout { get; init; } = "5s";

    /// <summary>Gets the consecutive failures that make the container unhealthy. Default is 3.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>Gets the start period during which failures do not count. Default is 0s.</summary>
    public string StartPeriod { get; init; } = "0s";
}

/// <summary>Outputs of <c>docker.container.run</c>.</summary>
/// <param name="ContainerId">The running container's id.</param>
/// <param name="Name">Its name (the app name once the previous container is gone).</param>
/// <param name="Image">Its image.</param>
/// <param name="Replaced">The ids of the previous containers it replaced.</param>
/// <param name="Changed">Whether this step started a new container.</param>
public sealed record ContainerRunOutputs(string ContainerId, string Name, string Image, IReadOnlyList<string> Replaced, bool Changed);

/// <summary>Inputs of <c>docker.container.remove</c>: either <see cref="App"/> or <see cref="Container"/>.</summary>
public sealed record ContainerRemoveInputs : DockerEndpointInputs
{
    /// <summary>Gets the app whose containers are removed (every container labelled with it).</summary>
    public string? App { get; init; }

    /// <summary>Gets one container to remove, by id or name (what the Resources page's Delete passes).</summary>
    public string? Container { get; init; }
}

/// <summary>Outputs of <c>docker.container.remove</c>.</summary>
/// <param name="Removed">The removed container ids.</param>
public sealed record ContainerRemoveOutputs(IReadOnlyList<string> Removed);

/// <summary>What <c>docker.container.run</c> carries between polls.</summary>
/// <param name="ContainerId">The new container.</param>
/// <param name="Hash">Its spec hash.</param>
/// <param name="Changed">Whether this step created it.</param>
public sealed record ContainerRunState(string ContainerId, string Hash, bool Changed);
