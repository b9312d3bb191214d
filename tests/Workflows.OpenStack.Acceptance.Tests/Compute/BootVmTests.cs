using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;
using Workflows.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Compute;

/// <summary>The steps of workflows/boot-vm.yaml against the real cloud, verified through Nova's and Neutron's own API.</summary>
[Collection(KeystoneWritersCollection.Name)]
public sealed class BootVmTests(AcceptanceFixture fixture) : IClassFixture<AcceptanceFixture>
{
    private AcceptanceSettings S => fixture.Settings;

    [AcceptanceFact]
    public async Task BootVm_LeavesOneActiveServerWithOneFloatingIp_AndCompensationRemovesBoth()
    {
        var raw = fixture.Raw;
        var name = AcceptanceFixture.NewName("vm");
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        string? serverId = null;
        string? fipId = null;
        try
        {
            var serverContext = fixture.Context(new { cloud = fixture.CloudName, name, image = S.Image, flavor = S.Flavor, networks = new[] { S.Network }, metadata = new Dictionary<string, string> { ["owner"] = "workflows" } }, "server", runId, recorder: recorder);
            var server = await ActionDriver.RunAsync<NovaServerCreateAction>(serverContext);
            serverId = server.Outputs.GetProperty("id").GetString()!;
            var ipContext = fixture.Context(new { cloud = fixture.CloudName, serverId, network = S.ExternalNetwork }, "ip", runId, recorder: recorder);
            var ip = await ActionDriver.RunAsync<FloatingIpAttachAction>(ipContext);
            fipId = ip.Outputs.GetProperty("id").GetString()!;

            // Nova: exactly one server of that name, ACTIVE, with our metadata and the idempotency tag.
            var listed = (await raw.GetAsync("compute", $"servers/detail?name=^{name}$")).Expect(200).Body!["servers"]!.AsArray();
            var shown = Assert.Single(listed)!;
            Assert.Equal(serverId, (string?)shown["id"]);
            Assert.Equal("ACTIVE", (string?)shown["status"]);
            Assert.Equal("workflows", (string?)shown["metadata"]!["owner"]);
            Assert.Contains(shown["tags"]!.AsArray(), t => ((string?)t)!.StartsWith("wf-", StringComparison.Ordinal));
            Assert.Equal(server.Outputs.GetProperty("fixedIp").GetString(), shown["addresses"]![S.Network]![0]!["addr"]!.GetValue<string>());

            // Neutron: one floating IP, associated with the server's port and its fixed address.
            var port = Assert.Single((await raw.GetAsync("network", $"v2.0/ports?device_id={serverId}")).Expect(200).Body!["ports"]!.AsArray())!;
            var fip = Assert.Single((await raw.GetAsync("network", $"v2.0/floatingips?port_id={port["id"]}")).Expect(200).Body!["floatingips"]!.AsArray())!;
            Assert.Equal(fipId, (string?)fip["id"]);
            Assert.Equal(ip.Outputs.GetProperty("address").GetString(), (string?)fip["floating_ip_address"]);
            Assert.Equal((string?)port["fixed_ips"]![0]!["ip_address"], (string?)fip["fixed_ip_address"]);
            Assert.Equal(ip.Outputs.GetProperty("portId").GetString(), (string?)port["id"]);

            // Compensation in reverse order, as the engine runs it: release the address, delete the server.
            var release = await ActionDriver.RunAsync<FloatingIpReleaseAction>(fixture.Context(
                new { cloud = fixture.CloudName, floatingIpId = fipId }, "ip-compensate", runId, new CompensationTarget("ip", ipContext.IdempotencyKey, ip.Outputs, null), recorder));
            Assert.True(release.Outputs.GetProperty("released").GetBoolean());
            var delete = await ActionDriver.RunAsync<NovaServerDeleteAction>(fixture.Context(
                new { cloud = fixture.CloudName, serverId }, "server-compensate", runId, new CompensationTarget("server", serverContext.IdempotencyKey, server.Outputs, null), recorder));
            Assert.True(delete.Outputs.GetProperty("deleted").GetBoolean());

            // Deletion is asynchronous in a real cloud: the cloud's own API must show both gone within a bounded time.
            Assert.Equal(404, await StatusOnceSettledAsync(raw, "network", $"v2.0/floatingips/{fipId}"));
            Assert.Equal(404, await StatusOnceSettledAsync(raw, "compute", $"servers/{serverId}"));
            Assert.Empty((await raw.GetAsync("network", $"v2.0/ports?device_id={serverId}")).Expect(200).Body!["ports"]!.AsArray());
            Assert.All(recorder.ResourceEntries, r => Assert.NotNull(r.DeletedAt));
        }
        finally
        {
            if (fipId is not null)
            {
                await raw.DeleteAsync("network", $"v2.0/floatingips/{fipId}");
            }

            if (serverId is not null)
            {
                await raw.DeleteServerAsync(serverId);
            }
        }
    }

    [AcceptanceFact]
    public async Task ServerCreate_LeavesExactlyOneServer_WhenTheDriverStateIsLostAfterTheFirstCreateCall()
    {
        var name = AcceptanceFixture.NewName("crash");
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        var inputs = new { cloud = fixture.CloudName, name, image = S.Image, flavor = S.Flavor, networks = new[] { S.Network } };
        try
        {
            Assert.IsType<PendingResult>(await ActionDriver.ExecuteOnceAsync<NovaServerCreateAction>(fixture.Context(inputs, "server", runId, recorder: recorder)));

            // Crash: the pending state was never stored; a fresh attempt runs with the same idempotency key.
            var resumed = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(inputs, "server", runId, recorder: recorder));

            Assert.Equal("ACTIVE", resumed.Outputs.GetProperty("status").GetString());
            var servers = (await fixture.Raw.GetAsync("compute", $"servers/detail?name=^{name}$")).Expect(200).Body!["servers"]!.AsArray();
            Assert.Equal(resumed.Outputs.GetProperty("id").GetString(), (string?)Assert.Single(servers)!["id"]);
            Assert.Equal(1, recorder.Calls.Count(c => c.Method == "POST" && c.Endpoint.EndsWith("/servers", StringComparison.Ordinal)));
            Assert.Contains(recorder.Lines, l => l.StartsWith("Adopting server", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var s in (await fixture.Raw.GetAsync("compute", $"servers?name=^{name}$")).Body?["servers"]?.AsArray() ?? [])
            {
                await fixture.Raw.DeleteServerAsync((string)s!["id"]!);
            }
        }
    }

    [AcceptanceFact]
    public async Task ServerCreate_FailsWithNovasMessage_WhenTheFlavorDoesNotExist()
    {
        var name = AcceptanceFixture.NewName("noflavor");
        var result = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = fixture.CloudName, name, image = S.Image, flavor = "wf-acc-no-such-flavor", networks = new[] { S.Network } }));

        var failure = result.Failure;
        Assert.Equal("openstack.not_found", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("returned 404 NotFound: Flavor wf-acc-no-such-flavor could not be found.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(request req-", failure.Message, StringComparison.Ordinal);
        Assert.Empty((await fixture.Raw.GetAsync("compute", $"servers?name=^{name}$")).Body!["servers"]!.AsArray());
    }

    [AcceptanceFact]
    public async Task ServerCreate_FailsWithNeutronsMessage_WhenTheNetworkDoesNotExist()
    {
        var name = AcceptanceFixture.NewName("nonet");
        var result = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = fixture.CloudName, name, image = S.Image, flavor = S.Flavor, networks = new[] { "wf-acc-no-such-network" } }));

        var failure = result.Failure;
        Assert.Equal("openstack.not_found", failure.ErrorCode);
        Assert.Contains("network GET /v2.0/networks/wf-acc-no-such-network returned 404 NotFound: Network wf-acc-no-such-network could not be found.", failure.Message, StringComparison.Ordinal);
        Assert.Empty((await fixture.Raw.GetAsync("compute", $"servers?name=^{name}$")).Body!["servers"]!.AsArray());
    }

    [AcceptanceFact]
    public async Task FloatingIpAttach_FailsWithNeutronsOverQuota409_WhenTheAdminSetTheQuotaToZero()
    {
        // A project of its own, so the zero quota cannot starve the scenarios running in parallel.
        var admin = fixture.Admin;
        var raw = fixture.Raw;
        var projectName = AcceptanceFixture.NewName("quota");
        var project = (await admin.PostAsync("identity", "projects", new JsonObject { ["project"] = new JsonObject { ["name"] = projectName, ["domain_id"] = "default", ["description"] = "workflows acceptance test; deleted at its end" } })).Expect(201).Body!["project"]!;
        var projectId = (string)project["id"]!;
        string? networkId = null;
        try
        {
            var member = Assert.Single((await admin.GetAsync("identity", "roles?name=member")).Expect(200).Body!["roles"]!.AsArray())!;
            (await admin.PutAsync("identity", $"projects/{projectId}/users/{raw.UserId}/roles/{member["id"]}", new JsonObject())).Expect(204);
            (await admin.PutAsync("network", $"v2.0/quotas/{projectId}", new JsonObject { ["quota"] = new JsonObject { ["floatingip"] = 0 } })).Expect(200);

            // The member user works in that project: a network, a subnet and a port standing for a server's.
            var cloudName = projectName;
            var cloud = fixture.Cloud with { Name = cloudName, ProjectName = null, ProjectId = projectId };
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Workflows.OpenStack.Configuration.IOpenStackClouds>(fixture.Services).Add(cloud);
            using var scoped = await RawOpenStack.ConnectAsync(cloud);
            networkId = (string)(await scoped.PostAsync("network", "v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = projectName } })).Expect(201).Body!["network"]!["id"]!;
            (await scoped.PostAsync("network", "v2.0/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["ip_version"] = 4, ["cidr"] = "10.99.0.0/24" } })).Expect(201);
            var deviceId = Guid.NewGuid().ToString();
            (await scoped.PostAsync("network", "v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = networkId, ["device_id"] = deviceId } })).Expect(201);

            var result = await ActionDriver.RunAsync<FloatingIpAttachAction>(fixture.Context(new { cloud = cloudName, serverId = deviceId, network = S.ExternalNetwork }, "ip"));

            var failure = result.Failure;
            Assert.Equal("openstack.quota", failure.ErrorCode);
            Assert.False(failure.Retryable);
            Assert.Contains("network POST /v2.0/floatingips returned 409 Conflict: Quota exceeded for resources: ['floatingip'].", failure.Message, StringComparison.Ordinal);
            Assert.Empty((await scoped.GetAsync("network", $"v2.0/floatingips?project_id={projectId}")).Expect(200).Body!["floatingips"]!.AsArray());
        }
        finally
        {
            if (networkId is not null)
            {
                foreach (var p in (await admin.GetAsync("network", $"v2.0/ports?network_id={networkId}")).Body?["ports"]?.AsArray() ?? [])
                {
                    await admin.DeleteAsync("network", $"v2.0/ports/{p!["id"]}");
                }

                (await admin.DeleteAsync("network", $"v2.0/networks/{networkId}")).Expect(204);
            }

            await admin.DeleteAsync("network", $"v2.0/quotas/{projectId}");
            (await admin.DeleteAsync("identity", $"projects/{projectId}")).Expect(204);
        }
    }

    private static async Task<int> StatusOnceSettledAsync(RawOpenStack raw, string service, string path)
    {
        var status = 0;
        for (var i = 0; i < 60; i++)
        {
            status = (await raw.GetAsync(service, path)).Status;
            if (status == 404)
            {
                break;
            }

            await Task.Delay(500);
        }

        return status;
    }
}
