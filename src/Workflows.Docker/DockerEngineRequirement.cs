using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Docker.Client;

namespace Workflows.Docker;

/// <summary>
/// The requirement <c>docker</c> (<c>requires: { docker: "${{ inputs.dockerHost }}" }</c>): met when the run names its
/// own endpoint, or when the server has a default one the way the docker CLI finds it: <c>Docker:Host</c>,
/// <c>DOCKER_HOST</c>, or a local engine's socket (<c>/var/run/docker.sock</c>).
/// </summary>
public sealed class DockerEngineRequirement : IWorkflowRequirement
{
    private readonly DockerOptions options;
    private readonly Func<string, string?> environment;
    private readonly Func<string, bool> socketExists;

    /// <summary>Creates the requirement over the process environment and file system.</summary>
    public DockerEngineRequirement(IOptions<DockerOptions> options)
        : this(options.Value, Environment.GetEnvironmentVariable, File.Exists)
    {
    }

    /// <summary>Creates the requirement with its sources injected (tests).</summary>
    public DockerEngineRequirement(DockerOptions options, Func<string, string?> environment, Func<string, bool> socketExists)
    {
        this.options = options;
        this.environment = environment;
        this.socketExists = socketExists;
    }

    /// <inheritdoc />
    public string Name => "docker";

    /// <inheritdoc />
    public string Hint => "Needs a Docker engine";

    /// <inheritdoc />
    public string? Check(string value)
    {
        if (!string.IsNullOrWhiteSpace(value) || !string.IsNullOrWhiteSpace(options.Host) || !string.IsNullOrWhiteSpace(environment("DOCKER_HOST")))
        {
            return null;
        }

        var socket = new Uri(DockerEndpointResolver.DefaultUnixSocket).LocalPath;
        return socketExists(socket)
            ? null
            : $"needs a Docker engine and none is configured: set DOCKER_HOST (e.g. unix:///run/user/1000/docker.sock or tcp://host:2376 with DOCKER_CERT_PATH), "
              + $"or Docker:Host in the server's settings, or run dockerd so that {socket} exists, or give the run a dockerHost input. "
              + "The sandbox's Swarm clusters use the same engine (or Sandbox:DockerHost).";
    }
}
