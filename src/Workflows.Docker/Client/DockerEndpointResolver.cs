using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Client;

/// <summary>
/// Turns <see cref="DockerEndpointInputs"/> into a <see cref="DockerEndpoint"/>: inputs first, then
/// <c>DOCKER_HOST</c>, <c>DOCKER_TLS_VERIFY</c>, <c>DOCKER_CERT_PATH</c>, then the local unix socket.
/// </summary>
public sealed class DockerEndpointResolver
{
    /// <summary>The socket the Docker CLI uses when nothing else is configured.</summary>
    public const string DefaultUnixSocket = "unix:///var/run/docker.sock";

    private readonly Func<string, string?> environment;
    private readonly DockerOptions options;

    /// <summary>Creates a resolver that reads the process environment.</summary>
    public DockerEndpointResolver(IOptions<DockerOptions> options)
        : this(options.Value, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates a resolver reading variables through <paramref name="environment"/> (tests).</summary>
    public DockerEndpointResolver(DockerOptions options, Func<string, string?> environment)
    {
        this.options = options;
        this.environment = environment;
    }

    /// <summary>Resolves the endpoint.</summary>
    /// <exception cref="StepFailedException">Code <c>docker.endpoint.invalid</c> when the address or certificates are unusable.</exception>
    public DockerEndpoint Resolve(DockerEndpointInputs inputs)
    {
        var host = FirstNonEmpty(inputs.Host, options.Host, environment("DOCKER_HOST")) ?? DefaultUnixSocket;
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https" or "npipe"))
        {
            throw new StepFailedException("docker.endpoint.invalid", $"Docker host '{host}' is not a valid address; use unix:///path/docker.sock or tcp://host:port.", retryable: false);
        }

        var certPath = FirstNonEmpty(inputs.CertPath, options.CertPath, environment("DOCKER_CERT_PATH"));
        var inline = !string.IsNullOrWhiteSpace(inputs.CaCert) || !string.IsNullOrWhiteSpace(inputs.ClientCert) || inputs.ClientKey is not null;

        // Like the CLI, any non-empty DOCKER_TLS_VERIFY turns verification on; "0" and "false" are read as off.
        var envVerify = environment("DOCKER_TLS_VERIFY");
        var envVerifyOn = !string.IsNullOrEmpty(envVerify) && envVerify != "0" && !envVerify.Equals("false", StringComparison.OrdinalIgnoreCase);
        var verify = inputs.TlsVerify ?? options.TlsVerify ?? (envVerifyOn || inline);

        // TLS without verification (the CLI's --tls) when certificates are given but verification is off.
        var useTls = verify || inline || !string.IsNullOrWhiteSpace(inputs.CertPath) || uri.Scheme == "https";
        if (!useTls || uri.Scheme is "unix" or "npipe")
        {
            return new DockerEndpoint(uri, null);
        }

        if (uri.Scheme == "https")
        {
            uri = new UriBuilder(uri) { Scheme = "tcp" }.Uri;
        }

        string? ca, cert, key;
        if (inline)
        {
            (ca, cert, key) = (inputs.CaCert, inputs.ClientCert, inputs.ClientKey?.Reveal());
        }
        else
        {
            var folder = certPath ?? Path.Combine(environment("HOME") ?? "/root", ".docker");
            ca = ReadIfExists(Path.Combine(folder, "ca.pem"));
            cert = ReadIfExists(Path.Combine(folder, "cert.pem"));
            key = ReadIfExists(Path.Combine(folder, "key.pem"));
        }

        return new DockerEndpoint(uri, BuildTls(uri, ca, cert, key, verify));
    }

    private static DockerTlsMaterial BuildTls(Uri uri, string? ca, string? cert, string? key, bool verify)
    {
        var cas = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(ca))
        {
            try
            {
                cas.ImportFromPem(ca);
            }
            catch (CryptographicException ex)
            {
                throw new StepFailedException("docker.endpoint.invalid", $"The CA certificate for Docker endpoint {uri.GetLeftPart(UriPartial.Authority)} is not valid PEM: {ex.GetType().Name}.", retryable: false);
            }
        }

        if (verify && cas.Count == 0)
        {
            throw new StepFailedException("docker.endpoint.invalid", $"TLS verification is on for Docker endpoint {uri.GetLeftPart(UriPartial.Authority)} but no CA certificate was given (caCert, certPath/ca.pem or DOCKER_CERT_PATH).", retryable: false);
        }

        X509Certificate2? client = null;
        if (!string.IsNullOrWhiteSpace(cert) || !string.IsNullOrWhiteSpace(key))
        {
            if (string.IsNullOrWhiteSpace(cert) || string.IsNullOrWhiteSpace(key))
            {
                throw new StepFailedException("docker.endpoint.invalid", $"Docker endpoint {uri.GetLeftPart(UriPartial.Authority)}: a client certificate needs both the certificate and its key.", retryable: false);
            }

            try
            {
                using var pem = X509Certificate2.CreateFromPem(cert, key);

                // SslStream on Linux wants a certificate whose key is not ephemeral.
                client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (CryptographicException ex)
            {
                // The exception text may quote the PEM input; only its type is safe to show.
                throw new StepFailedException("docker.endpoint.invalid", $"The client certificate or key for Docker endpoint {uri.GetLeftPart(UriPartial.Authority)} could not be loaded ({ex.GetType().Name}); check that clientCert and clientKey are a matching PEM pair.", retryable: false);
            }
        }

        return new DockerTlsMaterial(cas, client, verify);
    }

    private static string? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
