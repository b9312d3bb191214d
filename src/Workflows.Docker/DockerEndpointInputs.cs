using Workflows.Abstractions.Secrets;

namespace Workflows.Docker;

/// <summary>
/// Where the Docker engine is and how to trust it; every Docker action's inputs derive from this.
/// The names follow the Docker CLI (<c>DOCKER_HOST</c>, <c>DOCKER_TLS_VERIFY</c>, <c>DOCKER_CERT_PATH</c>),
/// and the inline trio <see cref="CaCert"/>, <see cref="ClientCert"/>, <see cref="ClientKey"/> takes the
/// outputs of <c>magnum.cluster.credentials</c> as they are.
/// </summary>
public record DockerEndpointInputs
{
    /// <summary>Gets the engine address, e.g. <c>unix:///var/run/docker.sock</c> or <c>tcp://10.0.0.5:2376</c>. Default is <c>DOCKER_HOST</c>, then the local unix socket.</summary>
    public string? Host { get; init; }

    /// <summary>Gets whether the server certificate is verified against the CA. Default is <c>DOCKER_TLS_VERIFY</c>, or true when certificates are given.</summary>
    public bool? TlsVerify { get; init; }

    /// <summary>Gets a folder holding <c>ca.pem</c>, <c>cert.pem</c> and <c>key.pem</c>. Default is <c>DOCKER_CERT_PATH</c>.</summary>
    public string? CertPath { get; init; }

    /// <summary>Gets the CA certificate (PEM).</summary>
    public string? CaCert { get; init; }

    /// <summary>Gets the client certificate (PEM).</summary>
    public string? ClientCert { get; init; }

    /// <summary>Gets the client private key (PEM).</summary>
    public Secret? ClientKey { get; init; }
}
