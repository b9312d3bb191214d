using Docker.DotNet;
using Microsoft.Extensions.Options;

namespace Workflows.Docker.Client;

/// <summary>Creates Docker.DotNet clients for resolved endpoints.</summary>
public interface IDockerClientFactory
{
    /// <summary>Resolves <paramref name="inputs"/> and creates a client; dispose it after the step execution.</summary>
    /// <exception cref="Workflows.Abstractions.Actions.StepFailedException">Code <c>docker.endpoint.invalid</c>.</exception>
    (IDockerClient Client, DockerEndpoint Endpoint) Create(DockerEndpointInputs inputs);
}

/// <summary>The default factory: one client per step execution (clients hold a connection pool per endpoint).</summary>
public sealed class DockerClientFactory(DockerEndpointResolver resolver, IOptions<DockerOptions> options) : IDockerClientFactory
{
    /// <inheritdoc />
    public (IDockerClient Client, DockerEndpoint Endpoint) Create(DockerEndpointInputs inputs)
    {
        var endpoint = resolver.Resolve(inputs);
        Credentials credentials = endpoint.Tls is { } tls ? new DockerTlsCredentials(tls) : new AnonymousCredentials();
        // Docker.DotNet's own socket handler emits no HttpClient span: the credentials' handler hook adds ours (one per call).
        var configuration = new DockerClientConfiguration(endpoint.Uri, DockerTelemetry.Traced(credentials, endpoint), options.Value.RequestTimeout);

        // No API version in the path: the engine answers with its own, so old and new engines both work.
        return (configuration.CreateClient(), endpoint);
    }
}
