using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Microsoft.Net.Http.Client;

namespace Workflows.Docker.Client;

/// <summary>
/// TLS for Docker.DotNet's managed handler: a client certificate and a server check against the
/// endpoint's own CA (not the machine's store), like the Docker CLI with <c>--tlsverify</c>.
/// </summary>
internal sealed class DockerTlsCredentials(DockerTlsMaterial tls) : Credentials
{
    public override bool IsTlsCredentials() => true;

    public override HttpMessageHandler GetHandler(HttpMessageHandler innerHandler)
    {
        if (innerHandler is ManagedHandler managed)
        {
            if (tls.ClientCertificate is not null)
            {
                managed.ClientCertificates = new X509CertificateCollection { tls.ClientCertificate };
            }

            managed.ServerCertificateValidationCallback = Validate;
        }

        return innerHandler;
    }

    public override void Dispose() => base.Dispose();

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!tls.Verify)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        // Docker engines are addressed by IP as often as by name; like the CLI we require the chain to our CA and a matching name.
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(tls.CaCertificates);
        if (chain is not null)
        {
            // Intermediates the server presented.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
