using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Http;

/// <summary>Typed errors, retries and timeouts of the clients against the sandbox over HTTP.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ResilienceAndErrorsTests(SandboxFixture fixture)
{
    [Fact]
    public async Task GetNetwork_ThrowsNotFoundWithNeutronMessageAndRequestId_WhenTheNetworkIsMissing()
    {
        var id = Guid.NewGuid().ToString();

        var ex = await Assert.ThrowsAsync<OpenStackNotFoundException>(() => fixture.Connect().Network.GetNetworkAsync(id));

        Assert.Equal($"Network {id} could not be found.", ex.ApiMessage);
        Assert.Equal("NetworkNotFound", ex.ApiErrorType);
        Assert.StartsWith("req-", ex.RequestId);
    }

    [Fact]
    public async Task CreateServer_ThrowsWithNovaMessage_WhenTheFlavorIsMissing()
    {
        var os = fixture.Connect();
        var image = await os.Image.FindImageAsync("cirros");

        var ex = await Assert.ThrowsAsync<OpenStackException>(() => os.Compute.CreateServerAsync(new Compute.Requests.CreateServerRequest { Name = "x", ImageId = image.Id, FlavorId = "999" }));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("Flavor 999 could not be found.", ex.ApiMessage);
    }

    [Fact]
    public async Task ListFlavors_IsRetried_WhenTheFirstAttemptTimesOut()
    {
        await using var services = fixture.CreateServices(o => o.AttemptTimeout = TimeSpan.FromSeconds(2));
        var recorder = new RunRecorder();
        var connection = ((IOpenStackClientFactory)services.GetService(typeof(IOpenStackClientFactory))!).Connect("sandbox", recorder);
        await connection.Compute.GetEndpointAsync();
        fixture.Sandbox.Options.Faults.Add(new FaultRule(Service: "compute", Method: "GET", PathContains: "/flavors/detail", StatusCode: 0, Count: 1, Latency: TimeSpan.FromSeconds(60)));
        try
        {
            var flavors = await connection.Compute.ListFlavorsAsync();

            Assert.Contains(flavors, f => f.Name == "m1.small");
            Assert.Collection(
                recorder.Calls.Where(c => c.Endpoint.EndsWith("/flavors/detail", StringComparison.Ordinal)),
                timedOut => Assert.Null(timedOut.Status),
                ok => Assert.Equal(200, ok.Status));
        }
        finally
        {
            fixture.Sandbox.Options.Faults.Clear();
        }
    }

    [Fact]
    public async Task CreateServer_IsNotRetried_WhenNovaAnswers500()
    {
        var recorder = new RunRecorder();
        var os = ((IOpenStackClientFactory)fixture.Services.GetService(typeof(IOpenStackClientFactory))!).Connect("sandbox", recorder);
        var image = await os.Image.FindImageAsync("cirros");
        fixture.Sandbox.Options.Faults.Add(new FaultRule(Service: "compute", Method: "POST", PathContains: "/servers", StatusCode: 500, Count: 1));
        try
        {
            var ex = await Assert.ThrowsAsync<OpenStackException>(() => os.Compute.CreateServerAsync(new Compute.Requests.CreateServerRequest { Name = "once", ImageId = image.Id, FlavorId = "1" }));

            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, ex.StatusCode);
            Assert.Single(recorder.Calls, c => c.Method == "POST");
        }
        finally
        {
            fixture.Sandbox.Options.Faults.Clear();
        }
    }

    [Fact]
    public async Task ResizeCluster_ChangesTheNodeCount_WhenTheClusterIsComplete()
    {
        var magnum = fixture.Connect().ContainerInfra;
        var template = await magnum.CreateClusterTemplateAsync(new ContainerInfra.Requests.CreateClusterTemplateRequest { Name = $"rs-{Guid.NewGuid():N}"[..10], Coe = "kubernetes", ImageId = "fedora-coreos", ExternalNetworkId = "public" });
        // Hold the cluster in CREATE_IN_PROGRESS however slow this machine is, then let it complete.
        var delay = fixture.Sandbox.Options.ClusterCreateDelay;
        fixture.Sandbox.Options.ClusterCreateDelay = TimeSpan.FromMinutes(10);
        string uuid;
        try
        {
            uuid = await magnum.CreateClusterAsync(new ContainerInfra.Requests.CreateClusterRequest { Name = $"rs-{Guid.NewGuid():N}"[..10], ClusterTemplateId = template.Uuid, NodeCount = 1 });
            var conflict = await Assert.ThrowsAsync<OpenStackConflictException>(() => magnum.ResizeClusterAsync(uuid, 3));
            Assert.Contains("CREATE_IN_PROGRESS", conflict.ApiMessage, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Sandbox.Options.ClusterCreateDelay = delay;
        }

        var waits = 0;
        while ((await magnum.GetClusterAsync(uuid)).Status != "CREATE_COMPLETE" && waits++ < 100)
        {
            await Task.Delay(50);
        }

        Assert.Equal(uuid, await magnum.ResizeClusterAsync(uuid, 3));

        var cluster = await magnum.GetClusterAsync(uuid);
        Assert.Equal(3, cluster.NodeCount);
        Assert.StartsWith("UPDATE_", cluster.Status, StringComparison.Ordinal);
    }
}
