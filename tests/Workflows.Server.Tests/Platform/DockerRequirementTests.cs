using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.Abstractions.Definitions;
using Workflows.Docker;

namespace Workflows.Server.Tests.Platform;

/// <summary>The server on a machine with no Docker engine at all: no DOCKER_HOST, no Docker:Host, no /var/run/docker.sock.</summary>
public sealed class NoDockerPlatformFactory : PlatformFactory
{
    protected override bool UsePostgres => false;

    protected override void ConfigureMore(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureMore(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IWorkflowRequirement>();
            services.AddSingleton<IWorkflowRequirement>(new DockerEngineRequirement(new DockerOptions(), _ => null, _ => false));
        });
    }
}

/// <summary>Workflows that need a Docker engine say so on their card and are refused up front, with what to configure.</summary>
public sealed class DockerRequirementTests(NoDockerPlatformFactory server) : IClassFixture<NoDockerPlatformFactory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Theory]
    [InlineData("rollout-app", """{ "service": "needs-docker", "image": "nginx", "tag": "1" }""")]
    [InlineData("ci-rollout", """{ "service": "needs-docker", "image": "nginx", "tag": "1" }""")]
    [InlineData("deploy-compose-stack", """{ "stack": "needs-docker", "composeFile": "/nonexistent/compose.yaml" }""")]
    public async Task StartRun_Answers422NamingWhatToConfigure_AndCreatesNothing_WhenNoDockerEngineIsConfigured(string workflow, string inputs)
    {
        var before = (int?)(await Operator.GetFromJsonAsync<JsonObject>($"/api/runs?workflow={workflow}"))!["total"];

        var response = await Operator.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new JsonObject { ["inputs"] = JsonNode.Parse(inputs) });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(422, (int?)problem["status"]);
        Assert.Equal("docker", (string?)problem["requirement"]);
        Assert.StartsWith($"Workflow '{workflow}' needs a Docker engine and none is configured: set DOCKER_HOST", (string?)problem["detail"], StringComparison.Ordinal);
        var after = (int?)(await Operator.GetFromJsonAsync<JsonObject>($"/api/runs?workflow={workflow}"))!["total"];
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task StartRun_IsAccepted_WhenTheRunNamesItsOwnDockerEngine()
    {
        var response = await Operator.PostAsJsonAsync("/api/workflows/rollout-app/runs", new JsonObject
        {
            ["inputs"] = new JsonObject { ["service"] = $"own-{Guid.NewGuid():N}"[..12], ["image"] = "nginx", ["tag"] = "1", ["dockerHost"] = "tcp://127.0.0.1:9" },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("rollout-app", true)]
    [InlineData("ci-rollout", true)]
    [InlineData("deploy-compose-stack", true)]
    [InlineData("boot-vm", false)]
    [InlineData("deploy-magnum-cluster", false)]
    public async Task WorkflowDefinition_ListsTheDockerRequirement_OnlyWhereADockerEngineIsNeeded(string workflow, bool needsDocker)
    {
        var definition = await Operator.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}");

        var requires = definition!["requires"]!.AsArray().Select(r => (string?)r).ToList();
        Assert.Equal(needsDocker, requires.Contains("docker"));
    }

    [Fact]
    public async Task DeployMagnumCluster_StillRuns_WithoutADockerEngine()
    {
        var response = await Operator.PostAsJsonAsync("/api/workflows/deploy-magnum-cluster/runs", new JsonObject { ["inputs"] = new JsonObject { ["name"] = $"nd-{Guid.NewGuid():N}"[..12] } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
