using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Certificates for a sandbox Kubernetes API: a CA, the serving certificate it signs, client certificates, kubeconfigs.</summary>
public static class KubernetesPki
{
    /// <summary>Creates a self-signed CA (RSA 2048, five years), like the one Magnum issues per cluster.</summary>
    public static X509Certificate2 CreateCa(string commonName, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }

    /// <summary>Issues the API server's serving certificate for 127.0.0.1 and localhost, signed by <paramref name="ca"/>.</summary>
    public static X509Certificate2 CreateServerCertificate(X509Certificate2 ca, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes");
        san.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var notAfter = Min(now.AddYears(1), ca.NotAfter);
        using var cert = request.Create(ca, now.AddMinutes(-5), notAfter, Serial());
        using var withKey = cert.CopyWithPrivateKey(key);

        // Kestrel on Linux wants a certificate whose key it can use after this method returns: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Issues a client certificate (CN = user, O = groups) signed by <paramref name="ca"/>; returns the certificate and key PEMs.</summary>
    public static (string CertificatePem, string KeyPem) CreateClientCertificate(X509Certificate2 ca, string user, IEnumerable<string>? groups = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = RSA.Create(2048);
        var subject = new StringBuilder($"CN={user}");
        foreach (var g in groups ?? [])
        {
            subject.Append(", O=").Append(g);
        }

        var request = new CertificateRequest(subject.ToString(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], false));
        using var cert = request.Create(ca, now.AddMinutes(-5), Min(now.AddYears(1), ca.NotAfter), Serial());
        return (cert.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Returns a kubeconfig with one cluster, user and context (embedded PEMs, as <c>openstack coe cluster config</c> writes).</summary>
    public static string Kubeconfig(string name, string server, string caPem, string clientCertPem, string clientKeyPem)
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        return $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: {B64(caPem)}
                server: {server}
              name: {name}
            contexts:
            - context:
                cluster: {name}
                user: admin
              name: {name}
            current-context: {name}
            kind: Config
            preferences: {"{}"}
            users:
            - name: admin
              user:
                client-certificate-data: {B64(clientCertPem)}
                client-key-data: {B64(clientKeyPem)}

            """;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTime caNotAfter)
    {
        var b = new DateTimeOffset(caNotAfter.ToUniversalTime(), TimeSpan.Zero);
        return a < b ? a : b;
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }
}
