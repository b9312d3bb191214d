using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Compute;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.ContainerInfra;
using Workflows.OpenStack.Identity;
using Workflows.OpenStack.Image;
using Workflows.OpenStack.Network;

namespace Workflows.OpenStack;

/// <summary>Creates the service clients of one cloud.</summary>
public interface IOpenStackClientFactory
{
    /// <summary>Connects to <paramref name="cloud"/> (null or empty: OS_CLOUD); calls are recorded in <paramref name="audit"/> when given.</summary>
    /// <exception cref="OpenStackConfigurationException">The cloud is not configured.</exception>
    OpenStackConnection Connect(string? cloud, IStepAudit? audit = null);
}

/// <summary>The service clients of one cloud. Tokens are shared per cloud across connections.</summary>
public sealed class OpenStackConnection(CloudDefinition cloud, ComputeClient compute, NetworkClient network, ImageClient image, ContainerInfraClient containerInfra)
{
    /// <summary>Gets the cloud.</summary>
    public CloudDefinition Cloud { get; } = cloud;

    /// <summary>Gets the Nova client.</summary>
    public ComputeClient Compute { get; } = compute;

    /// <summary>Gets the Neutron client.</summary>
    public NetworkClient Network { get; } = network;

    /// <summary>Gets the Glance client.</summary>
    public ImageClient Image { get; } = image;

    /// <summary>Gets the Magnum client.</summary>
    public ContainerInfraClient ContainerInfra { get; } = containerInfra;
}

/// <summary>The default <see cref="IOpenStackClientFactory"/>: clients on the <see cref="HttpClientName"/> HttpClient.</summary>
public sealed class OpenStackClientFactory(IOpenStackClouds clouds, IHttpClientFactory httpClientFactory, TokenProvider tokens, IOptions<OpenStackOptions> options) : IOpenStackClientFactory
{
    /// <summary>The name of the HttpClient for service calls (resilience, token, audit).</summary>
    public const string HttpClientName = "Workflows.OpenStack";

    /// <inheritdoc />
    public OpenStackConnection Connect(string? cloud, IStepAudit? audit = null)
    {
        var definition = clouds.Get(cloud);
        var o = options.Value;
        HttpClient Http() => httpClientFactory.CreateClient(HttpClientName);
        return new OpenStackConnection(
            definition,
            new ComputeClient(Http(), tokens, definition, o.Interface, o.ComputeMicroversion, audit),
            new NetworkClient(Http(), tokens, definition, o.Interface, audit),
            new ImageClient(Http(), tokens, definition, o.Interface, audit),
            new ContainerInfraClient(Http(), tokens, definition, o.Interface, o.ContainerInfraMicroversion, audit));
    }
}
