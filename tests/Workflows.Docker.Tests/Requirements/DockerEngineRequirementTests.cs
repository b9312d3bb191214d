using Workflows.Docker;

namespace Workflows.Docker.Tests.Requirements;

/// <summary>The <c>docker</c> requirement finds an engine the way the docker CLI does.</summary>
public sealed class DockerEngineRequirementTests
{
    private static DockerEngineRequirement Requirement(string? optionsHost = null, string? dockerHostVariable = null, bool socket = false) =>
        new(new DockerOptions { Host = optionsHost }, name => name == "DOCKER_HOST" ? dockerHostVariable : null, path => socket && path == "/var/run/docker.sock");

    [Fact]
    public void Check_IsMet_WhenTheRunNamesItsOwnEngine() => Assert.Null(Requirement().Check("tcp://10.0.0.5:2376"));

    [Fact]
    public void Check_IsMet_WhenDockerHostIsSet() => Assert.Null(Requirement(dockerHostVariable: "unix:///run/user/1000/docker.sock").Check(""));

    [Fact]
    public void Check_IsMet_WhenTheServerSettingIsSet() => Assert.Null(Requirement(optionsHost: "tcp://127.0.0.1:2376").Check(""));

    [Fact]
    public void Check_IsMet_WhenTheLocalSocketExists() => Assert.Null(Requirement(socket: true).Check(""));

    [Fact]
    public void Check_SaysWhatToConfigure_WhenThereIsNoEngineAtAll()
    {
        var problem = Requirement().Check("");

        Assert.NotNull(problem);
        Assert.StartsWith("needs a Docker engine and none is configured: set DOCKER_HOST", problem, StringComparison.Ordinal);
        Assert.Contains("/var/run/docker.sock", problem, StringComparison.Ordinal);
        Assert.Contains("dockerHost input", problem, StringComparison.Ordinal);
        Assert.Equal(("docker", "Needs a Docker engine"), (Requirement().Name, Requirement().Hint));
    }
}
