using Docker.DotNet;
using Workflows.Docker.Client;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Testing;

/// <summary>The private dockerd started by .ci/services/docker.sh (a single-node swarm with wf-test/busybox:v1..v3).</summary>
public sealed class DockerFixture : IDisposable
{
    public const string Variable = "WORKFLOWS_TEST_DOCKER_HOST";

    public DockerFixture()
    {
        Host = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(Host))
        {
            return;
        }

        Services = TestServices.Create();
        Client = new DockerClientConfiguration(new Uri(Host)).CreateClient();
    }

    public string? Host { get; }

    public IServiceProvider? Services { get; private set; }

    public IDockerClient? Client { get; private set; }

    /// <summary>Fails the test with a clear message when the service is not running.</summary>
    public (IServiceProvider Services, IDockerClient Client, string Host) Require()
    {
        if (Host is null)
        {
            Assert.Fail($"{Variable} is not set: start the test dockerd with 'bash .ci/services/docker.sh start' and load $WF_TEST_ENV (see .ci/test.sh).");
        }

        return (Services!, Client!, Host!);
    }

    public ActionEnvironment Driver() => new(Require().Services, TimeProvider.System) { PollCap = TimeSpan.FromMilliseconds(500) };

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public void Dispose()
    {
        Client?.Dispose();
        (Services as IDisposable)?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerFixture>
{
    public const string Name = "docker";
}
