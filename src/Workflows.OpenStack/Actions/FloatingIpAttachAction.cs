using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Network.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>neutron.floatingip.attach</c>.</summary>
public sealed class FloatingIpAttachInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the server whose port gets the address.</summary>
    public string ServerId { get; set; } = string.Empty;

    /// <summary>Gets or sets the external network (name or id). Default is <c>public</c>.</summary>
    public string Network { get; set; } = "public";

    /// <summary>Gets or sets a specific port of the server. Default is null: its first port.</summary>
    public string? PortId { get; set; }
}

/// <summary>Outputs of <c>neutron.floatingip.attach</c>.</summary>
/// <param name="Id">The floating IP id.</param>
/// <param name="Address">The floating address.</param>
/// <param name="PortId">The port it is associated with.</param>
/// <param name="FixedIp">The fixed address it maps to.</param>
/// <param name="NetworkId">The external network.</param>
public sealed record FloatingIpAttachOutputs(string Id, string Address, string PortId, string? FixedIp, string NetworkId);

/// <summary>
/// Gives a server a floating IP: reuses the one already associated with its port, else one this step
/// allocated earlier (found by its description), else allocates one on the external network associated
/// with the port in the same call. Quota exhaustion fails with <c>openstack.quota</c> (not retryable).
/// </summary>
public sealed class FloatingIpAttachAction(IOpenStackClientFactory clients) : StepAction<FloatingIpAttachInputs, FloatingIpAttachOutputs>, IPlannableAction<FloatingIpAttachInputs>
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads: the external network (it exists and is external), the project's floating IP quota and usage, and,
    /// when the server is known already, its ports and whether one already has a floating IP (then it is reused).
    /// Cannot know in advance: the address it will get, whether the pool's subnets still have free addresses.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(FloatingIpAttachInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        var ct = context.CancellationToken;
        var server = PlanSupport.Text(context, "serverId", inputs.ServerId);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server"] = server,
            ["network"] = PlanSupport.Text(context, "network", inputs.Network),
            ["address"] = "(known after it is allocated)",
        };
        var os = PlanSupport.Connect(clients, inputs.Cloud, context, plan);
        if (os is null)
        {
            plan.Resource(ResourceKinds.FloatingIp, $"for server {server}", PlanAction.Create, attributes);
            return plan.Build(plan.HasErrors ? PlanAction.Unknown : PlanAction.Create, $"allocate a floating IP for server {server}");
        }

        var action = PlanAction.Create;
        string? externalId = null;
        string? externalName = null;
        try
        {
            if (context.WhenKnown("network") is { } netWhen)
            {
                plan.Deferred("network", $"the external network is {netWhen}");
            }
            else
            {
                try
                {
                    var external = await os.Network.FindNetworkAsync(inputs.Network, ct);
                    if (external.External)
                    {
                        plan.Passed("network", $"{external.Name} (id {external.Id}) is external");
                        externalId = external.Id;
                        externalName = external.Name;
                    }
                    else
                    {
                        plan.Error("network", "with.network", $"network {external.Name} ({external.Id}) is not external; floating IPs come from an external network such as 'public'");
                    }
                }
                catch (Exception e) when (e is OpenStackNotFoundException or OpenStackConflictException)
                {
                    plan.Error("network", "with.network", $"network '{inputs.Network}': {((OpenStackException)e).ApiMessage ?? e.Message}");
                }
            }

            if (context.IsKnown("serverId") && !string.IsNullOrWhiteSpace(inputs.ServerId))
            {
                var ports = await os.Network.ListPortsAsync(deviceId: inputs.ServerId, cancellationToken: ct);
                var port = inputs.PortId is { } wanted ? ports.FirstOrDefault(p => p.Id == wanted) : ports.Count > 0 ? ports[0] : null;
                if (port is null)
                {
                    plan.Error("port", "with.serverId", $"server {inputs.ServerId} has no port{(inputs.PortId is null ? string.Empty : $" {inputs.PortId}")}");
                }
                else if (await os.Network.ListFloatingIpsAsync(portId: port.Id, cancellationToken: ct) is [var attached, ..])
                {
                    action = PlanAction.Adopt;
                    attributes["address"] = attached.FloatingIpAddress;
                    plan.Passed("port", $"port {port.Id} already has floating IP {attached.FloatingIpAddress}: it is reused");
                }
                else
                {
                    plan.Passed("port", $"port {port.Id} has no floating IP yet");
                }
            }
            else if (context.WhenKnown("serverId") is { } serverWhen)
            {
                plan.Deferred("port", $"the server's port is {serverWhen}");
            }
            else
            {
                plan.Error("serverId", "with.serverId", "neutron.floatingip.attach needs a 'serverId'.");
            }

            if (action == PlanAction.Create && await os.Network.GetProjectIdAsync(ct) is { } project)
            {
                var quota = await os.Network.GetFloatingIpQuotaAsync(project, ct);
                PlanSupport.Quota(plan, "floatingip", "with.network", quota.Limit, quota.Used + quota.Reserved, 1, "floating IPs");
            }

            if (action == PlanAction.Create && externalId is not null)
            {
                await CheckPoolAsync(os, externalId, externalName ?? externalId, plan, ct);
            }
        }
        catch (OpenStackException e)
        {
            plan.Error("cloud", "with.cloud", $"cloud {os.Cloud.Name} could not be read: {e.Message}");
            action = PlanAction.Unknown;
        }

        plan.Resource(ResourceKinds.FloatingIp, action == PlanAction.Adopt ? attributes["address"] : $"for server {server}", action, attributes);
        return plan.Build(action, action == PlanAction.Adopt
            ? $"reuse floating IP {attributes["address"]} of server {server}"
            : $"allocate a floating IP on {attributes["network"]} and associate it with server {server}");
    }

    /// <summary>
    /// Checks that the external network's pools have an address left (<c>GET /v2.0/network-ip-availabilities/{id}</c>,
    /// IPv4 subnets, where floating IPs come from). Neutron lets only admins read it by default: for others the check
    /// says it cannot be made rather than guessing.
    /// </summary>
    private static async Task CheckPoolAsync(OpenStackConnection os, string networkId, string networkName, StepPlanBuilder plan, CancellationToken ct)
    {
        NetworkIpAvailability availability;
        try
        {
            availability = await os.Network.GetNetworkIpAvailabilityAsync(networkId, ct);
        }
        catch (OpenStackException e) when (e is OpenStackNotFoundException || e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            plan.Deferred("pool", $"the free addresses of {networkName}'s pools cannot be read with this cloud's role (Neutron's network IP availability API is admin-only by default): known when the address is allocated");
            return;
        }

        var v4 = availability.SubnetIpAvailability.Where(s => s.IpVersion == 4).ToList();
        var total = v4.Count > 0 ? v4.Sum(s => s.TotalIps) : availability.TotalIps;
        var used = v4.Count > 0 ? v4.Sum(s => s.UsedIps) : availability.UsedIps;
        var subnets = string.Join(", ", (v4.Count > 0 ? v4 : availability.SubnetIpAvailability).Select(s => $"{s.SubnetName ?? s.SubnetId} {s.Cidr}"));
        var detail = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{used} of {total} addresses used in {networkName}'s pools ({subnets}), {total - used} left; this step needs 1");
        if (total - used < 1)
        {
            plan.Error("pool", "with.network", $"no address left: {detail}");
        }
        else
        {
            plan.Passed("pool", detail);
        }
    }

    /// <summary>The prefix of the description that marks a floating IP with its step's key.</summary>
    internal const string DescriptionPrefix = "workflows ";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(FloatingIpAttachInputs inputs, StepContext context)
    {
        if (string.IsNullOrWhiteSpace(inputs.ServerId))
        {
            return StepResult.Failed("inputs.invalid", "neutron.floatingip.attach needs a 'serverId'.", retryable: false);
        }

        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var network = os.Network;
            var ports = await network.ListPortsAsync(deviceId: inputs.ServerId, cancellationToken: ct);
            var port = inputs.PortId is { } wanted ? ports.FirstOrDefault(p => p.Id == wanted) : ports.Count > 0 ? ports[0] : null;
            if (port is null)
            {
                return StepResult.Failed("neutron.port_not_found", $"Server {inputs.ServerId} has no port{(inputs.PortId is null ? string.Empty : $" {inputs.PortId}")} yet.", retryable: true);
            }

            var description = DescriptionPrefix + ActionSupport.Tag(context.IdempotencyKey);
            FloatingIp fip;
            if (await network.ListFloatingIpsAsync(portId: port.Id, cancellationToken: ct) is [var attached, ..])
            {
                context.Log.WriteLine($"Port {port.Id} already has floating IP {attached.FloatingIpAddress}; reusing it.");
                fip = attached;
            }
            else if ((await network.ListFloatingIpsAsync(description: description, cancellationToken: ct)).FirstOrDefault(f => f.PortId is null) is { } ours)
            {
                context.Log.WriteLine($"Associating floating IP {ours.FloatingIpAddress} allocated by an earlier execution with port {port.Id}.");
                fip = await network.AssociateFloatingIpAsync(ours.Id, port.Id, ct);
            }
            else
            {
                var external = await network.FindNetworkAsync(inputs.Network, ct);
                if (!external.External)
                {
                    return StepResult.Failed("neutron.network_not_external", $"Network {external.Name} ({external.Id}) is not external; floating IPs come from an external network such as 'public'.", retryable: false);
                }

                fip = await network.CreateFloatingIpAsync(external.Id, port.Id, description, ct);
                context.Log.WriteLine($"Allocated floating IP {fip.FloatingIpAddress} on {external.Name} for port {port.Id}.");
            }

            await context.Resources.RecordAsync(
                new ResourceRecord(ResourceKinds.FloatingIp, fip.Id, fip.FloatingIpAddress, os.Cloud.Name, new Dictionary<string, string> { ["address"] = fip.FloatingIpAddress, ["server"] = inputs.ServerId }),
                ct);
            return Completed(new FloatingIpAttachOutputs(fip.Id, fip.FloatingIpAddress, port.Id, fip.FixedIpAddress ?? port.FixedIps.FirstOrDefault()?.IpAddress, fip.FloatingNetworkId));
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
