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

    /// <summary>Gets or sets the sandbox's own options (delays, faults).</summary>
    public SandboxOptions Options { get; set; } = new();
}

/// <summary>Starts the OpenStack API sandbox on loopback and registers it as the cloud <c>sandbox</c>, so every workflow runs with no cloud at all.</summary>
public sealed class SandboxCloud(IOpenStackClouds clouds, Microsoft.Extensions.Options.IOptions<SandboxCloudOptions> options, ILogger<SandboxCloud> logger) : IHostedService, IAsyncDisposable
{
    private OpenStackSandboxHost? host;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        host = await OpenStackSandboxHost.StartAsync(options.Value.Options, options.Value.Port, cancellationToken: cancellationToken);
        clouds.Add(CloudDefinition.FromRegistration(host.Cloud));
        logger.LogInformation("OpenStack sandbox (simulated cloud, no real servers) listening on {Url}; available as cloud 'sandbox'", host.BaseUrl);
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
