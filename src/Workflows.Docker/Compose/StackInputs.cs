namespace Workflows.Docker.Compose;

/// <summary>Inputs of <c>docker.stack.deploy</c> (<c>docker.stack.remove</c> has its own, <see cref="Actions.StackRemoveInputs"/>).</summary>
public sealed record StackInputs : DockerEndpointInputs
{
    /// <summary>Gets the stack name (the namespace prefixed to its services, networks and volumes).</summary>
    public required string Stack { get; init; }

    /// <summary>Gets the compose file's text. Either this or <see cref="ComposeFile"/>.</summary>
    public string? Compose { get; init; }

    /// <summary>Gets the path of a compose file on the server.</summary>
    public string? ComposeFile { get; init; }

    /// <summary>
    /// Gets the variables the compose file is interpolated with (<c>${NAME}</c>, <c>${NAME:-default}</c>, ...). They win over
    /// <see cref="Env"/>, which wins over a <c>.env</c> file beside <see cref="ComposeFile"/>. Default is none.
    /// </summary>
    public Dictionary<string, string>? Variables { get; init; }

    /// <summary>Gets more variables as <c>.env</c> text (<c>NAME=value</c> lines), e.g. from a workflow input. Default is null.</summary>
    public string? Env { get; init; }

    /// <summary>Gets whether services of the stack that left the file are removed. Default is true.</summary>
    public bool Prune { get; init; } = true;

    /// <summary>Gets the registry user when images need credentials.</summary>
    public string? RegistryUsername { get; init; }

    /// <summary>Gets the registry password or token.</summary>
    public Workflows.Abstractions.Secrets.Secret? RegistryPassword { get; init; }
}

/// <summary>Outputs of <c>docker.stack.deploy</c>.</summary>
/// <param name="Stack">The stack name.</param>
/// <param name="Services">The stack's service names.</param>
/// <param name="Networks">The networks its services use.</param>
/// <param name="Pruned">The services removed because they left the file.</param>
/// <param name="Changed">The services this deploy created or updated.</param>
public sealed record StackDeployOutputs(string Stack, IReadOnlyList<string> Services, IReadOnlyList<string> Networks, IReadOnlyList<string> Pruned, IReadOnlyList<string> Changed);

/// <summary>What a stack deploy carries between polls.</summary>
public sealed class StackState
{
    /// <summary>Gets or sets the services being rolled out.</summary>
    public List<Swarm.RolloutState> Services { get; set; } = [];

    /// <summary>Gets or sets the names of services that converged.</summary>
    public List<string> Converged { get; set; } = [];

    /// <summary>Gets or sets the network names.</summary>
    public List<string> Networks { get; set; } = [];

    /// <summary>Gets or sets the pruned service names.</summary>
    public List<string> Pruned { get; set; } = [];
}
