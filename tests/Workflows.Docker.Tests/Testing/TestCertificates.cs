using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Workflows.Docker.Tests.Testing;

/// <summary>A throwaway CA and a client certificate it signed, as PEM, for endpoint tests.</summary>
public sealed record TestCertificates(string CaPem, string CertPem, string KeyPem)
{
    public static TestCertificates Create(string caName = "test-ca")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var clientKey = RSA.Create(2048);
        var clientRequest = new CertificateRequest("CN=test-client", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var client = clientRequest.Create(ca, now.AddMinutes(-5), now.AddHours(12), [1, 2, 3, 4]);
        return new TestCertificates(ca.ExportCertificatePem(), client.ExportCertificatePem(), clientKey.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Reads the test engine's certificates (made by .ci/services/docker.sh).</summary>
    public static TestCertificates FromFolder(string folder) => new(
        File.ReadAllText(Path.Combine(folder, "ca.pem")),
        File.ReadAllText(Path.Combine(folder, "cert.pem")),
        File.ReadAllText(Path.Combine(folder, "key.pem")));

    /// <summary>Gets a line from the middle of the key: it must never show up anywhere.</summary>
    public string KeyMarker => KeyPem.Split('\n', StringSplitOptions.RemoveEmptyEntries)[3].Trim();

    public void WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ca.pem"), CaPem);
        File.WriteAllText(Path.Combine(folder, "cert.pem"), CertPem);
        File.WriteAllText(Path.Combine(folder, "key.pem"), KeyPem);
    }
}
