using System.Security.Cryptography.X509Certificates;

namespace Workflows.Docker.Client;

/// <summary>A resolved Docker endpoint: the address and, for TLS, the certificates to use.</summary>
/// <param name="Uri">The engine address (<c>unix://</c>, <c>tcp://</c>, <c>npipe://</c>).</param>
/// <param name="Tls">The TLS material, or null for a plain connection.</param>
public sealed record DockerEndpoint(Uri Uri, DockerTlsMaterial? Tls)
{
    /// <summary>Gets the address as users write it, for messages and the ledger.</summary>
    public string Display => Uri.Scheme == "unix" ? $"unix://{Uri.AbsolutePath}" : Uri.GetLeftPart(UriPartial.Authority);

    /// <inheritdoc />
    public override string ToString() => Display;
}

/// <summary>TLS material for a Docker endpoint. <see cref="ToString"/> names no key material.</summary>
/// <param name="CaCertificates">The CAs that may sign the server certificate; empty when not verifying.</param>
/// <param name="ClientCertificate">The client certificate with its private key, if any.</param>
/// <param name="Verify">Whether the server certificate is verified.</param>
public sealed record DockerTlsMaterial(X509Certificate2Collection CaCertificates, X509Certificate2? ClientCertificate, bool Verify)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"TLS (verify={Verify}, ca={CaCertificates.Count}, client={ClientCertificate?.Subject ?? "none"})";
}
