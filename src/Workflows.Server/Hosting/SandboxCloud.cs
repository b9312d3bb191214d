using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;

namespace Workflows.Server.Hosting;

/// <summary>Settings of the built-in OpenStack sandbox (section <c>Sandbox</c>).</summary>
public sealed class SandboxCloudOptions
{
    /// <summary>Gets or sets whether the server starts the sandbox and offers it as the cloud <c>sandbox</c>. Default is true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the loopback port of the sandbox (0 = a free port). Default is 0.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Gets or sets the Docker engine behind the sandbox's Swarm clusters (their <c>api_address</c>), e.g.
    /// <c>unix:///var/run/docker.sock</c>. Default is null: <c>Docker:Host</c>, then <c>DOCKER_HOST</c>, then the local
    /// socket when it exists; with none, Swarm workflows are refused at start (they need a Docker engine).
    /// </summary>
    public string? DockerHost { get; set; }

    /// <summary>Gets or sets the sandbox's own options (delays, faults). Its state is kept in <c>{Workflows:DataDirectory}/sandbox</c> unless <c>Options:DataDirectory</c> says otherwise.</summary>
    public SandboxOptions Options { get; set; } = new();
}

/// <summary>Starts the OpenStack API sandbox on loopback and registers it as the cloud <c>sandbox</c>, so every workflow runs with no cloud at all.</summary>
public sealed class SandboxCloud(
    IOpenStackClouds clouds,
    Microsoft.Extensions.Options.IOptions<SandboxCloudOptions> options,
    Microsoft.Extensions.Options.IOptions<Workflows.Engine.EngineOptions> engine,
    Microsoft.Extensions.Options.IOptions<Workflows.Docker.DockerOptions> docker,
    ILogger<SandboxCloud> logger) : IHostedService, IAsyncDisposable
{
    private OpenStackSandboxHost? host;

    /// <summary>Gets the running sandbox (its request log, its options), or null when it is disabled or stopped.</summary>
    public OpenStackSandboxHost? Host => host;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var sandbox = options.Value.Options;
        sandbox.DataDirectory ??= Path.Combine(engine.Value.DataDirectory, "sandbox");
        sandbox.SwarmApiAddress ??= DockerHost();
        host = await OpenStackSandboxHost.StartAsync(sandbox, options.Value.Port, cancellationToken: cancellationToken);
        clouds.Add(CloudDefinition.FromRegistration(host.Cloud));
        logger.LogInformation(
            "OpenStack sandbox (simulated cloud, no real servers) listening on {Url}; available as cloud 'sandbox'; state in {Directory}; Swarm clusters' Docker engine: {Docker}",
            host.BaseUrl,
            sandbox.DataDirectory,
            sandbox.SwarmApiAddress ?? "none (Swarm workflows need DOCKER_HOST or Sandbox:DockerHost)");
    }

    // The engine a docker CLI on this machine would use; null when there is none, so Swarm workflows are refused up front.
    private string? DockerHost()
    {
        var configured = new[] { options.Value.DockerHost, docker.Value.Host, Environment.GetEnvironmentVariable("DOCKER_HOST") }.FirstOrDefault(h => !string.IsNullOrWhiteSpace(h));
        if (configured is not null)
        {
            return configured;
        }

        var socket = new Uri(Workflows.Docker.Client.DockerEndpointResolver.DefaultUnixSocket).LocalPath;
        return File.Exists(socket) ? Workflows.Docker.Client.DockerEndpointResolver.DefaultUnixSocket : null;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
            host = null;
        }
    }
}
