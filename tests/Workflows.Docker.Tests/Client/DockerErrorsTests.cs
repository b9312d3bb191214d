using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Docker.DotNet;
using Workflows.Docker.Client;

namespace Workflows.Docker.Tests.Client;

public sealed class DockerErrorsTests
{
    private static readonly DockerEndpoint Endpoint = new(new Uri("tcp://10.0.0.5:2376"), null);

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "This node is not a swarm manager. Use \\\"docker swarm init\\\" or \\\"docker swarm join\\\" to connect this node to swarm and try again.", "docker.swarm.not_manager", false)]
    [InlineData(HttpStatusCode.NotFound, "service web not found", "docker.service.not_found", false)]
    [InlineData(HttpStatusCode.NotFound, "No such image: app:1", "docker.image.not_found", false)]
    [InlineData(HttpStatusCode.InternalServerError, "rpc error", "docker.api", true)]
    [InlineData(HttpStatusCode.BadRequest, "invalid spec", "docker.api", false)]
    public void Translate_GivesACodeAndNamesTheEndpoint_WhenTheEngineAnswersWithAnError(HttpStatusCode status, string message, string code, bool retryable)
    {
        var ex = DockerErrors.Translate(new DockerApiException(status, $"{{\"message\":\"{message}\"}}"), Endpoint, "Deploying service web");

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(retryable, ex.Retryable);
        Assert.Contains("tcp://10.0.0.5:2376", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("Deploying service web", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_ReportsATlsFailure_WhenTheHandshakeFails()
    {
        var ex = DockerErrors.Translate(new HttpRequestException("send failed", new AuthenticationException("The remote certificate was rejected")), Endpoint, "Pulling");

        Assert.Equal("docker.tls", ex.ErrorCode);
        Assert.Contains("TLS handshake with the Docker engine at tcp://10.0.0.5:2376 failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_ReportsAnUnreachableEngine_WhenTheConnectionIsRefused()
    {
        var ex = DockerErrors.Translate(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused)), Endpoint, "Pulling");

        Assert.Equal("docker.unreachable", ex.ErrorCode);
        Assert.True(ex.Retryable);
    }
}
