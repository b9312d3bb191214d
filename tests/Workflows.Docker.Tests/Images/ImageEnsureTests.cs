using Workflows.Abstractions.Actions;
using Workflows.Docker.Actions;
using Workflows.Docker.Images;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Images;

[Collection(DockerCollection.Name)]
public sealed class ImageEnsureTests(DockerFixture docker)
{
    [DockerFact]
    public async Task Ensure_ReturnsTheLocalImageWithoutPulling_WhenItIsPresent()
    {
        var driver = docker.Driver();

        var outputs = ActionDriver.Outputs<ImageEnsureOutputs>((await driver.RunAsync("docker.image.ensure", new ImageEnsureInputs { Host = docker.Require().Host, Image = "wf-test/busybox:v1" })).Result);

        Assert.False(outputs.Pulled);
        Assert.StartsWith("sha256:", outputs.Id, StringComparison.Ordinal);
        Assert.DoesNotContain(driver.Recorder.AuditEntries, a => a.Contains("/images/create", StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task Ensure_FailsNamingTheRegistry_WhenTheRegistryIsUnreachable()
    {
        var result = (await docker.Driver().RunAsync("docker.image.ensure", new ImageEnsureInputs
        {
            Host = docker.Require().Host,
            Image = "127.0.0.1:1/img:tag",
            RegistryUsername = "robot",
            RegistryPassword = new Workflows.Abstractions.Secrets.Secret("registry-password-never-shown"),
        })).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.registry.unreachable", failed.ErrorCode);
        Assert.Contains("Registry 127.0.0.1:1 is unreachable", failed.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1/img:tag", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("registry-password-never-shown", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("busybox", "docker.io", "busybox", "latest")]
    [InlineData("library/busybox:1.36", "docker.io", "library/busybox", "1.36")]
    [InlineData("127.0.0.1:1/img:tag", "127.0.0.1:1", "127.0.0.1:1/img", "tag")]
    [InlineData("registry.example.com/team/app", "registry.example.com", "registry.example.com/team/app", "latest")]
    [InlineData("localhost/app:2", "localhost", "localhost/app", "2")]
    public void RegistryOf_ReadsTheRegistryLikeTheCli_WhenGivenAReference(string image, string registry, string repository, string tag)
    {
        Assert.Equal(registry, RegistryAuth.RegistryOf(image));
        Assert.Equal((repository, tag), RegistryAuth.Split(image));
    }
}
