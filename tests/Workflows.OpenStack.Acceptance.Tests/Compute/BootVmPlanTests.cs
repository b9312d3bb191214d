using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;
using Workflows.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Compute;

/// <summary>The plan of workflows/boot-vm.yaml against the real cloud, checked against what the cloud's own API reports (issue 14).</summary>
[Collection(KeystoneWritersCollection.Name)]
public sealed partial class BootVmPlanTests(AcceptanceFixture fixture) : IClassFixture<AcceptanceFixture>
{
    private AcceptanceSettings S => fixture.Settings;

    [AcceptanceFact]
    public async Task PlanOfTheServerStep_ResolvesFlavorImageAndNetwork_AndReportsTheQuotaNovaReports()
    {
        var raw = fixture.Raw;
        var name = AcceptanceFixture.NewName("plan");
        var context = new TestPlanContext(
            new { cloud = fixture.CloudName, name, image = S.Image, flavor = S.Flavor, networks = new[] { S.Network } },
            new Dictionary<string, string> { ["metadata.run"] = "known when the run starts" },
            "server");
        var action = fixture.Services.GetRequiredService<NovaServerCreateAction>();

        var before = (await raw.GetAsync("compute", "limits")).Expect(200).Body!["limits"]!["absolute"]!;
        var plan = await ((IPlannableAction)action).PlanAsync(context);
        var after = (await raw.GetAsync("compute", "limits")).Expect(200).Body!["limits"]!["absolute"]!;

        Assert.True(!plan.HasErrors, string.Join("; ", plan.Problems.Select(p => $"{p.Field}: {p.Message}")));
        Assert.Equal(PlanAction.Create, plan.Action);
        var resource = Assert.Single(plan.Resources);
        Assert.Equal((ResourceKinds.Server, name, PlanAction.Create), (resource.Kind, resource.Name, resource.Action));

        var flavor = (await raw.GetAsync("compute", "flavors/detail")).Expect(200).Body!["flavors"]!.AsArray().Single(f => (string?)f!["name"] == S.Flavor || (string?)f!["id"] == S.Flavor)!;
        Assert.Equal($"{flavor["name"]} (id {flavor["id"]}): {flavor["vcpus"]} vCPU, {flavor["ram"]} MB RAM, {flavor["disk"]} GB disk", Detail(plan, "flavor"));
        var image = Assert.Single((await raw.GetAsync("image", $"v2/images?name={Uri.EscapeDataString(S.Image)}")).Expect(200).Body!["images"]!.AsArray())!;
        Assert.Equal($"{image["name"]} (id {image["id"]}), active", Detail(plan, "image"));
        var network = Assert.Single((await raw.GetAsync("network", $"v2.0/networks?name={Uri.EscapeDataString(S.Network)}")).Expect(200).Body!["networks"]!.AsArray())!;
        Assert.StartsWith($"{network["name"]} (id {network["id"]})", Detail(plan, "networks[0]"), StringComparison.Ordinal);
        Assert.Equal($"no server is named '{name}'", Detail(plan, "name"));

        // Another test may boot or delete a server meanwhile: the plan's usage lies between the two reads around it.
        AssertQuota(Detail(plan, "quota.instances"), before, after, "maxTotalInstances", "totalInstancesUsed", 1);
        AssertQuota(Detail(plan, "quota.cores"), before, after, "maxTotalCores", "totalCoresUsed", (int)flavor["vcpus"]!);
        AssertQuota(Detail(plan, "quota.ram"), before, after, "maxTotalRAMSize", "totalRAMUsed", (int)flavor["ram"]!);

        // Planning only read: Keystone's token request aside (not a call of the action's clients), every call was a GET.
        Assert.NotEmpty(context.Recorder.Calls);
        Assert.All(context.Recorder.Calls, c => Assert.Equal("GET", c.Method));
    }

    [AcceptanceFact]
    public async Task PlanOfTheFloatingIpStep_ChecksTheExternalNetwork_AndTheQuotaNeutronReports()
    {
        var raw = fixture.Raw;
        var context = new TestPlanContext(
            new { cloud = fixture.CloudName, network = S.ExternalNetwork },
            new Dictionary<string, string> { ["serverId"] = "known after `server`" },
            "ip");
        var action = fixture.Services.GetRequiredService<FloatingIpAttachAction>();

        var plan = await ((IPlannableAction)action).PlanAsync(context);

        Assert.True(!plan.HasErrors, string.Join("; ", plan.Problems.Select(p => $"{p.Field}: {p.Message}")));
        var network = Assert.Single((await raw.GetAsync("network", $"v2.0/networks?name={Uri.EscapeDataString(S.ExternalNetwork)}")).Expect(200).Body!["networks"]!.AsArray())!;
        Assert.True((bool)network["router:external"]!);
        Assert.Equal($"{network["name"]} (id {network["id"]}) is external", Detail(plan, "network"));
        Assert.Equal("the server's port is known after `server`", Detail(plan, "port"));
        var project = (string)raw.TokenBody["token"]!["project"]!["id"]!;
        var quota = (await raw.GetAsync("network", $"v2.0/quotas/{project}/details.json")).Expect(200).Body!["quota"]!["floatingip"]!;
        var m = QuotaLine().Match(Detail(plan, "quota.floatingip"));
        Assert.True(m.Success, Detail(plan, "quota.floatingip"));
        Assert.Equal((int)quota["limit"]!, int.Parse(m.Groups["limit"].Value, CultureInfo.InvariantCulture));
        Assert.All(context.Recorder.Calls, c => Assert.Equal("GET", c.Method));
    }

    [AcceptanceFact]
    public async Task PlanOfTheFloatingIpStep_CountsTheAddressesLeftInThePools_AsNeutronReportsThemToAnAdmin()
    {
        var admin = fixture.Admin;
        var network = Assert.Single((await admin.GetAsync("network", $"v2.0/networks?name={Uri.EscapeDataString(S.ExternalNetwork)}")).Expect(200).Body!["networks"]!.AsArray())!;
        var path = $"v2.0/network-ip-availabilities/{network["id"]}";
        var context = new TestPlanContext(new { cloud = S.AdminCloud, network = S.ExternalNetwork }, new Dictionary<string, string> { ["serverId"] = "known after `server`" }, "ip");
        var action = fixture.Services.GetRequiredService<FloatingIpAttachAction>();

        var before = (await admin.GetAsync("network", path)).Expect(200).Body!["network_ip_availability"]!;
        var plan = await ((IPlannableAction)action).PlanAsync(context);
        var after = (await admin.GetAsync("network", path)).Expect(200).Body!["network_ip_availability"]!;

        Assert.True(!plan.HasErrors, string.Join("; ", plan.Problems.Select(p => $"{p.Field}: {p.Message}")));
        var m = PoolLine().Match(Detail(plan, "pool"));
        Assert.True(m.Success, Detail(plan, "pool"));
        static decimal V4(System.Text.Json.Nodes.JsonNode a, string field) => a["subnet_ip_availability"]!.AsArray().Where(s => (int)s!["ip_version"]! == 4).Sum(s => (decimal)s![field]!);
        Assert.Equal(V4(after, "total_ips"), decimal.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture));
        Assert.InRange(decimal.Parse(m.Groups["used"].Value, CultureInfo.InvariantCulture), Math.Min(V4(before, "used_ips"), V4(after, "used_ips")), Math.Max(V4(before, "used_ips"), V4(after, "used_ips")));
        Assert.All(context.Recorder.Calls, c => Assert.Equal("GET", c.Method));
    }

    [AcceptanceFact]
    public async Task PlanOfTheFloatingIpStep_SaysThePoolsCannotBeRead_ByAMemberWhomNeutronDoesNotShowThem()
    {
        var context = new TestPlanContext(new { cloud = fixture.CloudName, network = S.ExternalNetwork }, new Dictionary<string, string> { ["serverId"] = "known after `server`" }, "ip");
        var action = fixture.Services.GetRequiredService<FloatingIpAttachAction>();
        var network = Assert.Single((await fixture.Raw.GetAsync("network", $"v2.0/networks?name={Uri.EscapeDataString(S.ExternalNetwork)}")).Expect(200).Body!["networks"]!.AsArray())!;
        var member = await fixture.Raw.GetAsync("network", $"v2.0/network-ip-availabilities/{network["id"]}");

        var plan = await ((IPlannableAction)action).PlanAsync(context);

        var pool = Assert.Single(plan.Checks, c => c.Name == "pool");
        if (member.Status == 200)
        {
            Assert.Equal(PlanCheckOutcome.Passed, pool.Outcome); // this cloud's policy lets members read it
        }
        else
        {
            Assert.Equal(PlanCheckOutcome.Deferred, pool.Outcome);
            Assert.Contains("cannot be read with this cloud's role", pool.Detail, StringComparison.Ordinal);
        }
    }

    private static void AssertQuota(string detail, System.Text.Json.Nodes.JsonNode before, System.Text.Json.Nodes.JsonNode after, string max, string used, int need)
    {
        var m = QuotaLine().Match(detail);
        Assert.True(m.Success, detail);
        Assert.Equal((int)after[max]!, int.Parse(m.Groups["limit"].Value, CultureInfo.InvariantCulture));
        var planned = int.Parse(m.Groups["used"].Value, CultureInfo.InvariantCulture);
        var low = Math.Min((int)before[used]!, (int)after[used]!);
        var high = Math.Max((int)before[used]!, (int)after[used]!);
        Assert.InRange(planned, low, high);
        Assert.Contains($"this step needs {need}", detail, StringComparison.Ordinal);
    }

    private static string Detail(StepPlan plan, string check) =>
        plan.Checks.SingleOrDefault(c => c.Name == check)?.Detail ?? throw new Xunit.Sdk.XunitException($"no check '{check}' in: {string.Join("; ", plan.Checks.Select(c => $"{c.Name}={c.Detail}"))}");

    [GeneratedRegex(@"^(?<used>\d+) of (?<total>\d+) addresses used in ")]
    private static partial Regex PoolLine();

    [GeneratedRegex(@"^(?<used>\d+) of (?<limit>\d+) ")]
    private static partial Regex QuotaLine();
}
