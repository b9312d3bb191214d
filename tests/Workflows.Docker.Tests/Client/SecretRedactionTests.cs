using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Docker.Client;
using Workflows.Docker.Compose;
using Workflows.Docker.Images;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Client;

/// <summary>The client key (and registry passwords) never show in ToString, exception messages, log lines, audit or progress.</summary>
public sealed class SecretRedactionTests
{
    private static readonly TestCertificates Certs = TestCertificates.Create();

    [Fact]
    public void ToString_MasksTheClientKeyAndPassword_ForEveryInputType()
    {
        var key = new Secret(Certs.KeyPem);
        var password = new Secret("hunter2-registry");
        object[] inputs =
        [
            new DockerEndpointInputs { ClientKey = key },
            new ServiceDeployInputs { Name = "a", Image = "b", ClientKey = key, RegistryUsername = "u", RegistryPassword = password },
            new StackInputs { Stack = "s", ClientKey = key, RegistryPassword = password },
            new ImageEnsureInputs { Image = "i", ClientKey = key, RegistryPassword = password },
        ];

        foreach (var input in inputs)
        {
            var text = input.ToString()!;
            Assert.DoesNotContain(Certs.KeyMarker, text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            Assert.Contains(Secret.Mask, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Resolve_KeepsTheKeyOutOfTheMessage_WhenTheKeyDoesNotMatchTheCertificate()
    {
        var other = TestCertificates.Create();
        var resolver = new DockerEndpointResolver(new DockerOptions(), _ => null);

        var ex = Assert.Throws<StepFailedException>(() => resolver.Resolve(new DockerEndpointInputs
        {
            Host = "tcp://127.0.0.1:2376",
            CaCert = Certs.CaPem,
            ClientCert = Certs.CertPem,
            ClientKey = new Secret(other.KeyPem),
        }));

        Assert.Equal("docker.endpoint.invalid", ex.ErrorCode);
        Assert.DoesNotContain(other.KeyMarker, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_KeepsTheKeyOutOfTheMessage_WhenTheKeyIsNotPem()
    {
        var resolver = new DockerEndpointResolver(new DockerOptions(), _ => null);

        var ex = Assert.Throws<StepFailedException>(() => resolver.Resolve(new DockerEndpointInputs
        {
            Host = "tcp://127.0.0.1:2376",
            CaCert = Certs.CaPem,
            ClientCert = Certs.CertPem,
            ClientKey = new Secret("-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----"),
        }));

        Assert.DoesNotContain("TOPSECRETKEYMATERIAL", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TlsMaterial_NamesNoKey_WhenPrinted()
    {
        var endpoint = new DockerEndpointResolver(new DockerOptions(), _ => null).Resolve(new DockerEndpointInputs
        {
            Host = "tcp://127.0.0.1:2376",
            CaCert = Certs.CaPem,
            ClientCert = Certs.CertPem,
            ClientKey = new Secret(Certs.KeyPem),
        });

        Assert.DoesNotContain(Certs.KeyMarker, endpoint.Tls!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Certs.KeyMarker, endpoint.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Binds inputs the way the engine does: secrets arrive as plain strings in the JSON.</summary>
    internal static JsonObject WithSecrets(object inputs, TestCertificates certs)
    {
        var json = KitJson.ToInputs(inputs);
        json["caCert"] = certs.CaPem;
        json["clientCert"] = certs.CertPem;
        json["clientKey"] = certs.KeyPem;
        return json;
    }
}
