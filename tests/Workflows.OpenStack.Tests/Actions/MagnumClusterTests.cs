using System.Security.Cryptography.X509Certificates;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Tests.Testing;

namespace Workflows.OpenStack.Tests.Actions;

/// <summary>The steps of workflows/deploy-magnum-cluster.yaml against the sandbox over HTTP.</summary>
[Collection(SandboxCollection.Name)]
public sealed class MagnumClusterTests(SandboxFixture fixture)
{
    [Fact]
    public async Task DeployMagnumCluster_CreatesIssuesCredentialsAndDeletes_WhenAllStepsRun()
    {
        var runId = Guid.NewGuid();
        var name = $"swarm-{Guid.NewGuid():N}"[..16];
        var template = $"tpl-{Guid.NewGuid():N}"[..12];
        var recorder = new TestRunRecorder();
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name, template, coe = "swarm", masterCount = 1, nodeCount = 2, dockerVolumeSize = 10 }, "cluster", runId, recorder: recorder));

        Assert.Equal("CREATE_COMPLETE", create.Outputs.GetProperty("status").GetString());
        Assert.Contains("CREATE_IN_PROGRESS", create.Progress);
        Assert.Equal(2, create.Outputs.GetProperty("nodeAddresses").GetArrayLength());
        var clusterId = create.Outputs.GetProperty("id").GetString()!;
        Assert.Contains(recorder.ResourceEntries, r => r.Kind == ResourceKinds.Cluster && r.ExternalId == clusterId);
        Assert.Contains(recorder.ResourceEntries, r => r.Kind == ResourceKinds.ClusterTemplate && r.Name == template);

        var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = "sandbox", cluster = clusterId }, "credentials", runId));
        var completed = credentials.Result as CompletedResult ?? throw new Xunit.Sdk.XunitException(credentials.Result.ToString());
        var outputs = Assert.IsType<MagnumClusterCredentialsOutputs>(completed.Outputs);
        Assert.StartsWith("tcp://", outputs.DockerHost);
        Assert.Equal("swarm", outputs.Coe);
        using var ca = X509Certificate2.CreateFromPem(outputs.CaCert);
        using var client = X509Certificate2.CreateFromPem(outputs.ClientCert, outputs.ClientKey!.Reveal());
        Assert.Equal(ca.Subject, client.Issuer);
        Assert.True(client.HasPrivateKey);
        Assert.Null(outputs.Kubeconfig);
        Assert.Equal(Secret.Mask, credentials.Outputs.GetProperty("clientKey").GetString());

        var delete = await ActionDriver.RunAsync<MagnumClusterDeleteAction>(fixture.Context(new { cloud = "sandbox", cluster = clusterId }, "delete", runId, recorder: recorder));
        Assert.True(delete.Outputs.GetProperty("deleted").GetBoolean());
        Assert.Null(await fixture.Connect().ContainerInfra.TryGetClusterAsync(clusterId));
        Assert.Contains(recorder.ResourceEntries, r => r.Kind == ResourceKinds.Cluster && r.ExternalId == clusterId && r.DeletedAt is not null);
    }

    [Fact]
    public async Task ClusterCreate_FailsWithStatusReason_WhenHeatFails()
    {
        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name = $"fail-{Guid.NewGuid():N}"[..14], template = $"tpl-{Guid.NewGuid():N}"[..12] }, "cluster"));

        Assert.Equal("magnum.cluster_failed", result.Failure.ErrorCode);
        Assert.Contains("CREATE_FAILED", result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("No valid host was found", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_AdoptsTheCluster_WhenTheFirstExecutionWasLost()
    {
        var runId = Guid.NewGuid();
        var name = $"adopt-{Guid.NewGuid():N}"[..16];
        var inputs = new { cloud = "sandbox", name, template = "adopt-template" };
        Assert.IsType<PendingResult>(await ActionDriver.ExecuteOnceAsync<MagnumClusterCreateAction>(fixture.Context(inputs, "cluster", runId)));

        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(inputs, "cluster", runId));

        Assert.Equal("CREATE_COMPLETE", result.Outputs.GetProperty("status").GetString());
        Assert.Single(await fixture.Connect().ContainerInfra.ListClustersAsync(), c => c.Name == name);
    }

    [Fact]
    public async Task ClusterCredentials_ReturnsKubeconfig_WhenTheClusterIsKubernetes()
    {
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name = $"k8s-{Guid.NewGuid():N}"[..14], template = $"k8s-{Guid.NewGuid():N}"[..12], coe = "kubernetes" }, "cluster"));
        var clusterId = create.Outputs.GetProperty("id").GetString();

        var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = "sandbox", cluster = clusterId }, "credentials"));

        var outputs = Assert.IsType<MagnumClusterCredentialsOutputs>(Assert.IsType<CompletedResult>(credentials.Result).Outputs);
        Assert.Equal("kubernetes", outputs.Coe);
        Assert.Null(outputs.DockerHost);
        Assert.Contains($"server: {outputs.ApiAddress}", outputs.Kubeconfig!.Reveal(), StringComparison.Ordinal);
        Assert.StartsWith("https://", outputs.ApiAddress);
    }
}
