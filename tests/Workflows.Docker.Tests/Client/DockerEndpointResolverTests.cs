using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Docker.Client;
using Workflows.Docker.Tests.Testing;

namespace Workflows.Docker.Tests.Client;

public sealed class DockerEndpointResolverTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"wf-certs-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> env = new() { ["HOME"] = Path.Combine(Path.GetTempPath(), "wf-no-home") };

    [Fact]
    public void Resolve_UsesTheDefaultUnixSocket_WhenNothingIsConfigured()
    {
        var endpoint = Resolver().Resolve(new DockerEndpointInputs());

        Assert.Equal("unix:///var/run/docker.sock", endpoint.Display);
        Assert.Null(endpoint.Tls);
    }

    [Fact]
    public void Resolve_UsesDockerHost_WhenTheInputNamesNoHost()
    {
        env["DOCKER_HOST"] = "tcp://10.1.2.3:2375";

        var endpoint = Resolver().Resolve(new DockerEndpointInputs());

        Assert.Equal("tcp://10.1.2.3:2375", endpoint.Display);
        Assert.Null(endpoint.Tls);
    }

    [Fact]
    public void Resolve_PrefersTheInputHost_OverDockerHost()
    {
        env["DOCKER_HOST"] = "tcp://10.1.2.3:2375";

        var endpoint = Resolver().Resolve(new DockerEndpointInputs { Host = "unix:///run/other.sock" });

        Assert.Equal("unix:///run/other.sock", endpoint.Display);
    }

    [Fact]
    public void Resolve_LoadsCertificatesFromDockerCertPath_WhenDockerTlsVerifyIsSet()
    {
        TestCertificates.Create().WriteTo(folder);
        env["DOCKER_HOST"] = "tcp://127.0.0.1:2376";
        env["DOCKER_TLS_VERIFY"] = "1";
        env["DOCKER_CERT_PATH"] = folder;

        var endpoint = Resolver().Resolve(new DockerEndpointInputs());

        var tls = Assert.IsType<DockerTlsMaterial>(endpoint.Tls);
        Assert.True(tls.Verify);
        Assert.Single(tls.CaCertificates);
        Assert.True(tls.ClientCertificate!.HasPrivateKey);
        Assert.Equal("CN=test-client", tls.ClientCertificate.Subject);
    }

    [Fact]
    public void Resolve_ReadsDefaultDockerFolder_WhenDockerTlsVerifyIsSetWithoutCertPath()
    {
        env["HOME"] = folder;
        TestCertificates.Create().WriteTo(Path.Combine(folder, ".docker"));
        env["DOCKER_HOST"] = "tcp://127.0.0.1:2376";
        env["DOCKER_TLS_VERIFY"] = "1";

        var endpoint = Resolver().Resolve(new DockerEndpointInputs());

        Assert.True(endpoint.Tls!.ClientCertificate!.HasPrivateKey);
    }

    [Fact]
    public void Resolve_UsesTlsWithoutVerification_WhenCertPathIsGivenAndTlsVerifyIsFalse()
    {
        TestCertificates.Create().WriteTo(folder);

        var endpoint = Resolver().Resolve(new DockerEndpointInputs { Host = "tcp://127.0.0.1:2376", CertPath = folder, TlsVerify = false });

        Assert.False(endpoint.Tls!.Verify);
        Assert.NotNull(endpoint.Tls.ClientCertificate);
    }

    [Fact]
    public void Resolve_UsesTheMagnumCredentials_WhenTheyAreGivenInline()
    {
        var certs = TestCertificates.Create();

        var endpoint = Resolver().Resolve(new DockerEndpointInputs
        {
            Host = "tcp://172.24.4.10:2376",
            CaCert = certs.CaPem,
            ClientCert = certs.CertPem,
            ClientKey = new Secret(certs.KeyPem),
        });

        Assert.Equal("tcp://172.24.4.10:2376", endpoint.Display);
        Assert.True(endpoint.Tls!.Verify);
        Assert.True(endpoint.Tls.ClientCertificate!.HasPrivateKey);
    }

    [Fact]
    public void Resolve_TreatsZeroAsOff_WhenDockerTlsVerifyIsZero()
    {
        env["DOCKER_HOST"] = "tcp://10.1.2.3:2375";
        env["DOCKER_TLS_VERIFY"] = "0";

        Assert.Null(Resolver().Resolve(new DockerEndpointInputs()).Tls);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://host:21")]
    public void Resolve_FailsNamingTheHost_WhenItIsNotAnAddress(string host)
    {
        var ex = Assert.Throws<StepFailedException>(() => Resolver().Resolve(new DockerEndpointInputs { Host = host }));

        Assert.Equal("docker.endpoint.invalid", ex.ErrorCode);
        Assert.Contains(host, ex.Message, StringComparison.Ordinal);
        Assert.False(ex.Retryable);
    }

    [Fact]
    public void Resolve_FailsClearly_WhenVerificationIsOnButThereIsNoCa()
    {
        env["DOCKER_HOST"] = "tcp://127.0.0.1:2376";
        env["DOCKER_TLS_VERIFY"] = "1";

        var ex = Assert.Throws<StepFailedException>(() => Resolver().Resolve(new DockerEndpointInputs()));

        Assert.Contains("no CA certificate", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tcp://127.0.0.1:2376", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private DockerEndpointResolver Resolver() => new(new DockerOptions(), name => env.GetValueOrDefault(name));
}
