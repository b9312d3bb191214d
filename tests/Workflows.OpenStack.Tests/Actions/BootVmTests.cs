using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Actions;

/// <summary>The steps of workflows/boot-vm.yaml against the sandbox over HTTP.</summary>
[Collection(SandboxCollection.Name)]
public sealed class BootVmTests(SandboxFixture fixture)
{
    private static string NewName(string prefix = "vm") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task BootVm_ServerIsActiveWithOneFloatingIp_WhenStepsRunInOrder()
    {
        var name = NewName();
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        var server = await ActionDriver.RunAsync<NovaServerCreateAction>(
            fixture.Context(new { cloud = "sandbox", name, image = "cirros", flavor = "m1.tiny", networks = new[] { "private" }, metadata = new Dictionary<string, string> { ["owner"] = "workflows" } }, "server", runId, recorder: recorder));

        var serverId = server.Outputs.GetProperty("id").GetString()!;
        Assert.Equal("ACTIVE", server.Outputs.GetProperty("status").GetString());
        Assert.StartsWith("10.0.0.", server.Outputs.GetProperty("fixedIp").GetString());
        Assert.Contains(server.Progress, p => p.StartsWith("BUILD", StringComparison.Ordinal));
        Assert.Contains(recorder.Lines, l => l.Contains("BUILD", StringComparison.Ordinal));

        var ip = await ActionDriver.RunAsync<FloatingIpAttachAction>(fixture.Context(new { cloud = "sandbox", serverId, network = "public" }, "ip", runId, recorder: recorder));
        var address = ip.Outputs.GetProperty("address").GetString()!;
        Assert.StartsWith("172.24.4.", address);

        var os = fixture.Connect();
        var shown = await os.Compute.GetServerAsync(serverId);
        Assert.Equal("workflows", shown.Metadata["owner"]);
        Assert.Contains(shown.Addresses["private"], a => a.Addr == address && a.Type == "floating");
        Assert.Single(await os.Compute.ListServersAsync(name: $"^{name}$"));
        var ports = await os.Network.ListPortsAsync(deviceId: serverId);
        Assert.Single(await os.Network.ListFloatingIpsAsync(portId: ports[0].Id));
        Assert.Contains(recorder.ResourceEntries, r => r.Kind == ResourceKinds.Server && r.ExternalId == serverId);
        Assert.Contains(recorder.ResourceEntries, r => r.Kind == ResourceKinds.FloatingIp && r.Name == address);
        Assert.Contains(recorder.Calls, c => c.Service == "compute" && c.Method == "POST" && c.Endpoint.EndsWith("/servers", StringComparison.Ordinal) && c.Status == 202 && c.RequestId!.StartsWith("req-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FloatingIpAttach_ReusesTheAddress_WhenThePortAlreadyHasOne()
    {
        var server = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = NewName(), networks = new[] { "private" } }, "server"));
        var serverId = server.Outputs.GetProperty("id").GetString()!;
        var first = await ActionDriver.RunAsync<FloatingIpAttachAction>(fixture.Context(new { cloud = "sandbox", serverId }, "ip"));
        var second = await ActionDriver.RunAsync<FloatingIpAttachAction>(fixture.Context(new { cloud = "sandbox", serverId }, "ip-again"));

        Assert.Equal(first.Outputs.GetProperty("id").GetString(), second.Outputs.GetProperty("id").GetString());
    }

    [Fact]
    public async Task ServerCreate_SucceedsThroughRetries_WhenNovaAnswers503Twice()
    {
        var faults = fixture.Sandbox.Options.Faults;
        var before = faults.InjectedCount;
        faults.Add(new FaultRule(Service: "compute", Method: "POST", PathContains: "/servers", StatusCode: 503, Count: 2));
        faults.Add(new FaultRule(Service: "compute", Method: "GET", PathContains: "/servers/", StatusCode: 503, Count: 2));
        try
        {
            var recorder = new RunRecorder();
            var result = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = NewName() }, recorder: recorder));

            Assert.Equal("ACTIVE", result.Outputs.GetProperty("status").GetString());
            Assert.Equal(before + 4, faults.InjectedCount);
            Assert.Equal(2, recorder.Calls.Count(c => c.Method == "POST" && c.Status == 503));
            Assert.Equal(1, recorder.Calls.Count(c => c.Method == "POST" && c.Status == 202));
        }
        finally
        {
            faults.Clear();
        }
    }

    [Fact]
    public async Task ServerCreate_FailsWithNovaFault_AndCompensationDeletesTheServer_WhenBuildGoesToError()
    {
        var runId = Guid.NewGuid();
        var name = "fail-" + Guid.NewGuid().ToString("N")[..8];
        var context = fixture.Context(new { cloud = "sandbox", name }, "server", runId);
        var result = await ActionDriver.RunAsync<NovaServerCreateAction>(context);

        var failure = result.Failure;
        Assert.Equal("nova.fault", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("No valid host was found", failure.Message, StringComparison.Ordinal);
        var os = fixture.Connect();
        var errored = Assert.Single(await os.Compute.ListServersAsync(name: $"^{name}$"));
        Assert.Equal("ERROR", errored.Status);

        // The step failed, so its outputs are null: the compensation finds the server by the key.
        var target = new CompensationTarget("server", context.IdempotencyKey, null, context.CurrentState);
        var compensation = await ActionDriver.RunAsync<NovaServerDeleteAction>(fixture.Context(new { cloud = "sandbox" }, "server-compensate", runId, target));

        Assert.True(compensation.Outputs.GetProperty("deleted").GetBoolean());
        Assert.Empty(await os.Compute.ListServersAsync(name: $"^{name}$"));
    }

    [Fact]
    public async Task ServerDelete_FindsTheServerByIdempotencyKey_WhenTheCompensatedStepHasNoOutputsOrState()
    {
        var runId = Guid.NewGuid();
        var name = NewName();
        var create = fixture.Context(new { cloud = "sandbox", name }, "server", runId);
        Assert.IsType<PendingResult>(await ActionDriver.ExecuteOnceAsync<NovaServerCreateAction>(create));

        var target = new CompensationTarget("server", create.IdempotencyKey, null, null);
        var deleted = await ActionDriver.RunAsync<NovaServerDeleteAction>(fixture.Context(new { cloud = "sandbox" }, "undo", runId, target));

        Assert.True(deleted.Outputs.GetProperty("deleted").GetBoolean());
        Assert.Empty(await fixture.Connect().Compute.ListServersAsync(name: $"^{name}$"));
    }

    [Fact]
    public async Task ServerCreate_LeavesExactlyOneServer_WhenTheEngineCrashesAfterNovaAcceptedTheCreate()
    {
        var runId = Guid.NewGuid();
        var name = NewName("crash");
        var recorder = new RunRecorder();
        var first = fixture.Context(new { cloud = "sandbox", name }, "server", runId, recorder: recorder);
        var accepted = await ActionDriver.ExecuteOnceAsync<NovaServerCreateAction>(first);
        Assert.IsType<PendingResult>(accepted);

        // Crash: the engine never committed the pending state; the same attempt runs again from scratch.
        var resumed = fixture.Context(new { cloud = "sandbox", name }, "server", runId, recorder: recorder);
        var result = await ActionDriver.RunAsync<NovaServerCreateAction>(resumed);

        Assert.Equal("ACTIVE", result.Outputs.GetProperty("status").GetString());
        var servers = await fixture.Connect().Compute.ListServersAsync(name: $"^{name}$");
        Assert.Equal(result.Outputs.GetProperty("id").GetString(), Assert.Single(servers).Id);
        Assert.Contains(recorder.Lines, l => l.StartsWith("Adopting server", StringComparison.Ordinal));
        Assert.Equal(1, recorder.Calls.Count(c => c.Method == "POST" && c.Endpoint.EndsWith("/servers", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FloatingIpAttach_FailsWithQuotaError_WhenTheQuotaIsExhausted()
    {
        await using var sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions { FloatingIpQuota = 0, ServerBuildDelay = TimeSpan.Zero });
        await using var services = fixture.CreateServices();
        services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(sandbox.CloudNamed("tiny")));
        var server = await ActionDriver.RunAsync<NovaServerCreateAction>(new TestStepContext(services, new { cloud = "tiny", name = "quota-vm" }, "server"));
        var serverId = server.Outputs.GetProperty("id").GetString();

        var result = await ActionDriver.RunAsync<FloatingIpAttachAction>(new TestStepContext(services, new { cloud = "tiny", serverId }, "ip"));

        var failure = result.Failure;
        Assert.Equal("openstack.quota", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("Quota exceeded for resources: ['floatingip']", failure.Message, StringComparison.Ordinal);
        Assert.Contains("409", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(request req-", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FloatingIpRelease_ReleasesTheAddressByKey_WhenCompensatingAnAttach()
    {
        var runId = Guid.NewGuid();
        var server = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = NewName() }, "server", runId));
        var serverId = server.Outputs.GetProperty("id").GetString()!;
        var attachContext = fixture.Context(new { cloud = "sandbox", serverId }, "ip", runId);
        var attach = await ActionDriver.RunAsync<FloatingIpAttachAction>(attachContext);
        var address = attach.Outputs.GetProperty("address").GetString();

        var release = await ActionDriver.RunAsync<FloatingIpReleaseAction>(
            fixture.Context(new { cloud = "sandbox" }, "ip-undo", runId, new CompensationTarget("ip", attachContext.IdempotencyKey, null, null)));

        Assert.True(release.Outputs.GetProperty("released").GetBoolean());
        Assert.Empty(await fixture.Connect().Network.ListFloatingIpsAsync(address: address));
    }
}
