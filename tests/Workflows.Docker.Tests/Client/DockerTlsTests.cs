using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Images;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Client;

/// <summary>The test engine's mutual-TLS listener, reached with magnum.cluster.credentials-style inputs.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerTlsTests(DockerFixture docker)
{
    private static string TlsHost => Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_TLS_HOST")
        ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_TLS_HOST is not set: run 'bash .ci/services/docker.sh start' and load $WF_TEST_ENV.");

    private static TestCertificates EngineCerts => TestCertificates.FromFolder(Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_CERT_PATH")
        ?? throw new InvalidOperationException("WORKFLOWS_TEST_DOCKER_CERT_PATH is not set: run 'bash .ci/services/docker.sh start' and load $WF_TEST_ENV."));

    [DockerFact]
    public async Task ImageEnsure_ConnectsWithMutualTls_WhenGivenInlineCaCertAndKey()
    {
        var driver = docker.Driver();
        var inputs = SecretRedactionTests.WithSecrets(new ImageEnsureInputs { Host = TlsHost, Image = "wf-test/busybox:v1" }, EngineCerts);

        var result = (await driver.RunAsync("docker.image.ensure", inputs, "k")).Result;

        Assert.False(ActionDriver.Outputs<ImageEnsureOutputs>(result).Pulled);
    }

    [DockerFact]
    public async Task ImageEnsure_ConnectsWithMutualTls_WhenGivenACertPathFolder()
    {
        var driver = docker.Driver();

        var result = (await driver.RunAsync("docker.image.ensure", new ImageEnsureInputs
        {
            Host = TlsHost,
            TlsVerify = true,
            CertPath = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_DOCKER_CERT_PATH"),
            Image = "wf-test/busybox:v1",
        })).Result;

        Assert.IsType<CompletedResult>(result);
    }

    [DockerFact]
    public async Task ImageEnsure_FailsWithATlsErrorNamingTheEndpointAndNoKey_WhenTheCaDoesNotMatch()
    {
        docker.Require();
        var driver = docker.Driver();
        var engine = EngineCerts;
        var wrongCa = TestCertificates.Create("wrong-ca");
        var inputs = SecretRedactionTests.WithSecrets(new ImageEnsureInputs { Host = TlsHost, Image = "wf-test/busybox:v1" }, engine with { CaPem = wrongCa.CaPem });

        var result = (await driver.RunAsync("docker.image.ensure", inputs, "k")).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.tls", failed.ErrorCode);
        Assert.Contains(TlsHost, failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.KeyMarker, failed.Message, StringComparison.Ordinal);
        Assert.All(driver.Recorder.Lines.Concat(driver.Recorder.AuditEntries).Concat(driver.Progress), l => Assert.DoesNotContain(engine.KeyMarker, l, StringComparison.Ordinal));
        Assert.All(driver.Recorder.Lines.Concat(driver.Recorder.AuditEntries), l => Assert.DoesNotContain("PRIVATE KEY", l, StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task ServiceDeploy_FailsNamingTheEndpoint_WhenNothingListens()
    {
        var result = (await docker.Driver().RunAsync("docker.service.deploy", new Workflows.Docker.Swarm.ServiceDeployInputs { Host = "unix:///nonexistent/docker.sock", Name = "x", Image = "wf-test/busybox:v1" })).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.unreachable", failed.ErrorCode);
        Assert.Contains("unix:///nonexistent/docker.sock", failed.Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task ServiceDeploy_FailsWithNetworkNotFoundNamingTheEndpoint_WhenANetworkDoesNotExist()
    {
        var failed = Assert.IsType<FailedResult>((await docker.Driver().RunAsync("docker.service.deploy", new Workflows.Docker.Swarm.ServiceDeployInputs
        {
            Host = docker.Require().Host,
            Name = DockerFixture.Unique("wf-bad"),
            Image = "wf-test/busybox:v1",
            Networks = ["no-such-network"],
        })).Result);

        Assert.Equal("docker.network.not_found", failed.ErrorCode);
        Assert.False(failed.Retryable);
        Assert.Contains("no-such-network", failed.Message, StringComparison.Ordinal);
        Assert.Contains(docker.Host!, failed.Message, StringComparison.Ordinal);
    }
}
