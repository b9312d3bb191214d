using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Swarm;
using Workflows.Docker.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Actions;

public sealed class DockerRolloutRegistrationTests
{
    [Fact]
    public void AddDockerRollout_RegistersEveryActionWithTypedInputsAndOutputs_WhenCalled()
    {
        using var services = TestServices.Create();

        var actions = services.GetServices<ActionDescriptor>().ToList();

        Assert.Equal(
            ["docker.container.remove", "docker.container.run", "docker.image.ensure", "docker.network.remove", "docker.service.deploy", "docker.service.remove", "docker.service.rollback", "docker.stack.deploy", "docker.stack.remove"],
            actions.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.All(actions, a =>
        {
            Assert.True(typeof(DockerEndpointInputs).IsAssignableFrom(a.InputType), a.Name);
            Assert.NotNull(a.OutputType);
            Assert.IsAssignableFrom<IStepAction>(services.GetRequiredService(a.ActionType));
        });
    }

    [Fact]
    public async Task ServiceDeploy_FailsSayingNotASwarmManager_WhenTheEngineIsNotInASwarm()
    {
        // A stand-in engine on loopback that answers /info like a dockerd outside any swarm.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[8192];
            _ = await stream.ReadAsync(buffer);
            var body = """{"Swarm":{"LocalNodeState":"inactive","ControlAvailable":false}}""";
            var response = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        });
        using var services = TestServices.Create();

        var result = (await new ActionEnvironment(services, TimeProvider.System).RunAsync("docker.service.deploy", new ServiceDeployInputs { Host = $"tcp://127.0.0.1:{port}", Name = "web", Image = "app:1" })).Result;
        await server;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("docker.swarm.not_manager", failed.ErrorCode);
        Assert.Contains($"tcp://127.0.0.1:{port} is not a swarm manager (swarm state: inactive)", failed.Message, StringComparison.Ordinal);
    }
}
