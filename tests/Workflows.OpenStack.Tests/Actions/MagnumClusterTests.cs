using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.ContainerInfra.Requests;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

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
        var recorder = new RunRecorder();
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name, template, coe = "swarm-mode", masterCount = 1, nodeCount = 2 }, "cluster", runId, recorder: recorder));

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
        Assert.Equal("swarm-mode", outputs.Coe);
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

    [Fact]
    public async Task DeployMagnumCluster_BuildsAKubernetesClusterWithoutDockerVolume_WithItsDefaultInputs()
    {
        var run = await new ShippedWorkflow(fixture.Services).RunAsync("deploy-magnum-cluster.yaml", new Dictionary<string, JsonNode?>());

        Assert.Null(run.FailedStep);
        var clusterId = run.Step("cluster").Outputs.GetProperty("id").GetString()!;
        var magnum = fixture.Connect().ContainerInfra;
        var cluster = await magnum.GetClusterAsync(clusterId);
        var template = (await magnum.TryGetClusterTemplateAsync(cluster.ClusterTemplateId!))!;
        Assert.Equal("kubernetes", template.Coe);
        Assert.Equal("kubernetes-fedora-coreos", template.Name);
        Assert.Null(template.DockerVolumeSize);
        Assert.Null(cluster.DockerVolumeSize);
        Assert.Equal(1, cluster.MasterCount);
        Assert.Equal(1, cluster.NodeCount);
        Assert.Equal("kubernetes", run.Step("credentials").Outputs.GetProperty("coe").GetString());
        Assert.Contains(run.Recorder.Lines, l => l.Contains("no docker volume", StringComparison.Ordinal));

        var deleted = await ActionDriver.RunAsync<MagnumClusterDeleteAction>(fixture.Context(new { cloud = "sandbox", cluster = clusterId }, "delete"));
        Assert.True(deleted.Outputs.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task DeployMagnumCluster_BuildsASwarmModeClusterOnFedoraAtomic_WhenTheCoeInputIsSwarmMode()
    {
        var name = $"sm-{Guid.NewGuid():N}"[..12];
        var run = await new ShippedWorkflow(fixture.Services).RunAsync("deploy-magnum-cluster.yaml", new Dictionary<string, JsonNode?> { ["name"] = name, ["coe"] = "swarm-mode" });

        Assert.Null(run.FailedStep);
        var cluster = await fixture.Connect().ContainerInfra.GetClusterAsync(run.Step("cluster").Outputs.GetProperty("id").GetString()!);
        var template = (await fixture.Connect().ContainerInfra.TryGetClusterTemplateAsync(cluster.ClusterTemplateId!))!;
        Assert.Equal(("swarm-mode", "swarm-mode-fedora-atomic"), (template.Coe, template.Name));
        Assert.StartsWith("tcp://", run.Step("credentials").Outputs.GetProperty("dockerHost").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_FailsWithMagnumsClusterTypeMessage_WhenTheImageDoesNotFitTheCoe()
    {
        var template = $"tpl-{Guid.NewGuid():N}"[..12];
        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name = $"nf-{Guid.NewGuid():N}"[..12], template, coe = "swarm", image = "fedora-coreos" }, "cluster"));

        Assert.Equal("openstack.http", result.Failure.ErrorCode);
        Assert.False(result.Failure.Retryable);
        Assert.Contains("returned 400 BadRequest: Cluster type (vm, fedora-coreos, swarm) not supported.", result.Failure.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.Connect().ContainerInfra.TryGetClusterTemplateAsync(template));
    }

    [Fact]
    public async Task ClusterCreate_FailsWithTheBlockStorageReason_WhenADockerVolumeIsAskedOnACloudWithoutCinder()
    {
        var name = $"vol-{Guid.NewGuid():N}"[..12];
        var recorder = new RunRecorder();
        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name, template = $"tpl-{Guid.NewGuid():N}"[..12], dockerVolumeSize = 5 }, "cluster", recorder: recorder));

        Assert.Equal("magnum.cluster_failed", result.Failure.ErrorCode);
        Assert.Contains("CREATE_FAILED: cinder connection failed. unexpected keystone client error occurred: publicURL endpoint for block-storage service in RegionOne region not found", result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains(recorder.Lines, l => l.Contains("5 GB docker volume", StringComparison.Ordinal));
        var cluster = Assert.Single(await fixture.Connect().ContainerInfra.ListClustersAsync(), c => c.Name == name);
        Assert.Equal(5, (await fixture.Connect().ContainerInfra.GetClusterAsync(cluster.Uuid)).DockerVolumeSize);
    }

    [Fact]
    public async Task ClusterCreate_SendsNoDockerVolume_WhenTheSizeIsZero()
    {
        var name = $"zero-{Guid.NewGuid():N}"[..12];
        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name, template = $"tpl-{Guid.NewGuid():N}"[..12], dockerVolumeSize = 0 }, "cluster"));

        Assert.Equal("CREATE_COMPLETE", result.Outputs.GetProperty("status").GetString());
        Assert.Null((await fixture.Connect().ContainerInfra.GetClusterAsync(name)).DockerVolumeSize);
    }

    [Fact]
    public async Task ClusterCreate_FailsNamingTheTemplate_WhenAnExistingTemplateHasAnotherCoe()
    {
        var template = $"tpl-{Guid.NewGuid():N}"[..12];
        await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name = $"k-{Guid.NewGuid():N}"[..12], template }, "cluster"));

        var result = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(new { cloud = "sandbox", name = $"s-{Guid.NewGuid():N}"[..12], template, coe = "swarm-mode" }, "cluster"));

        Assert.Equal("inputs.invalid", result.Failure.ErrorCode);
        Assert.Contains($"Cluster template '{template}'", result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("is for COE kubernetes, not swarm-mode", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SandboxMagnum_RefusesDockerVolumeSizeZero_AsMagnumsApiDoes()
    {
        var magnum = fixture.Connect().ContainerInfra;
        var template = await magnum.CreateClusterTemplateAsync(new CreateClusterTemplateRequest { Name = $"tpl-{Guid.NewGuid():N}"[..12], Coe = "kubernetes", ImageId = "fedora-coreos", ExternalNetworkId = "public", FlavorId = "m1.small" });

        var onCluster = await Assert.ThrowsAnyAsync<OpenStackException>(() => magnum.CreateClusterAsync(new CreateClusterRequest { Name = $"z-{Guid.NewGuid():N}"[..12], ClusterTemplateId = template.Uuid, DockerVolumeSize = 0 }));
        var onTemplate = await Assert.ThrowsAnyAsync<OpenStackException>(() => magnum.CreateClusterTemplateAsync(new CreateClusterTemplateRequest { Name = $"tpl-{Guid.NewGuid():N}"[..12], Coe = "kubernetes", ImageId = "fedora-coreos", DockerVolumeSize = 0 }));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, onCluster.StatusCode);
        Assert.Equal("Invalid input for field/attribute docker_volume_size. Value: '0'. Value should be greater or equal to 1", onCluster.ApiMessage);
        Assert.Equal(onCluster.ApiMessage, onTemplate.ApiMessage);
    }
}
