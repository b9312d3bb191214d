using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Workflows.OpenStack.Sandbox.State;
using static Workflows.OpenStack.Sandbox.Apis.SandboxHttp;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Neutron v2.0: networks, subnets, ports, routers, floating IPs (with quota), extensions.</summary>
internal static class NeutronApi
{
    private const string Root = "/networking/v2.0";

    public static void MapNeutron(this IEndpointRouteBuilder app, SandboxState state)
    {
        app.MapGet("/networking", (HttpRequest r) => Json(Versions(r)));
        app.MapGet("/networking/", (HttpRequest r) => Json(Versions(r)));
        app.MapGet(Root, (HttpRequest r) => Json(new JsonObject { ["resources"] = ToArray(new[] { "network", "subnet", "port", "router", "floatingip" }.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["collection"] = n + "s", ["links"] = new JsonArray(new JsonObject { ["href"] = $"{BaseUrl(r)}{Root}/{n}s", ["rel"] = "self" }) })) }));
        app.MapGet(Root + "/extensions", () => Json(new JsonObject
        {
            ["extensions"] = ToArray(new[] { "router", "external-net", "extraroute", "quotas", "standard-attr-tag", "standard-attr-description", "standard-attr-timestamp", "standard-attr-revisions", "fip-port-details", "binding", "security-group", "network-ip-availability", "dns-integration" }
                .Select(a => (JsonNode)new JsonObject { ["alias"] = a, ["name"] = a, ["description"] = a, ["updated"] = "2013-01-20T00:00:00-00:00", ["links"] = new JsonArray() })),
        }));

        app.MapGet(Root + "/networks", (HttpRequest r) => List(state, r, "networks", () => state.Networks.Select(n => Network(state, n))));
        app.MapGet(Root + "/networks/{id}", (string id) => Show(state, "network", () => state.Networks.Find(n => n.Id == id) is { } n ? Network(state, n) : null, "NetworkNotFound", $"Network {id} could not be found."));
        app.MapGet(Root + "/subnets", (HttpRequest r) => List(state, r, "subnets", () => state.Networks.Select(Subnet)));
        app.MapGet(Root + "/subnets/{id}", (string id) => Show(state, "subnet", () => state.Networks.Find(n => n.SubnetId == id) is { } n ? Subnet(n) : null, "SubnetNotFound", $"Subnet {id} could not be found."));
        app.MapGet(Root + "/ports", (HttpRequest r) => List(state, r, "ports", () => state.Ports.Select(p => Port(state, p))));
        app.MapGet(Root + "/ports/{id}", (string id) => Show(state, "port", () => state.Ports.Find(p => p.Id == id) is { } p ? Port(state, p) : null, "PortNotFound", $"Port {id} could not be found."));
        app.MapGet(Root + "/routers", (HttpRequest r) => List(state, r, "routers", () => [Router(state)]));
        app.MapGet(Root + "/routers/{id}", (string id) => Show(state, "router", () => id == state.Router.Id ? Router(state) : null, "RouterNotFound", $"Router {id} could not be found."));
        app.MapGet(Root + "/security-groups", (HttpRequest r) => List(state, r, "security_groups", () => [new JsonObject { ["id"] = state.AdminProject.Id[..8] + "-0000-4000-8000-000000000000", ["name"] = "default", ["description"] = "Default security group", ["project_id"] = state.AdminProject.Id, ["tenant_id"] = state.AdminProject.Id, ["security_group_rules"] = new JsonArray(), ["tags"] = new JsonArray(), ["stateful"] = true }]));
        app.MapGet(Root + "/quotas/{projectId}", (string projectId) => Json(new JsonObject
        {
            ["quota"] = new JsonObject { ["floatingip"] = state.Options.FloatingIpQuota, ["network"] = 100, ["port"] = 500, ["router"] = 10, ["subnet"] = 100, ["security_group"] = 10, ["security_group_rule"] = 100, ["rbac_policy"] = 10 },
        }));

        app.MapGet(Root + "/quotas/{projectId}/details.json", (string projectId) =>
        {
            lock (state.Gate)
            {
                static JsonObject Detail(int limit, int used) => new() { ["limit"] = limit, ["used"] = used, ["reserved"] = 0 };
                return Json(new JsonObject
                {
                    ["quota"] = new JsonObject
                    {
                        ["floatingip"] = Detail(state.Options.FloatingIpQuota, state.FloatingIps.Count(f => f.ProjectId == projectId)),
                        ["port"] = Detail(500, state.Ports.Count),
                        ["network"] = Detail(100, 0),
                        ["router"] = Detail(10, 1),
                        ["subnet"] = Detail(100, 0),
                    },
                });
            }
        });

        app.MapGet(Root + "/network-ip-availabilities/{id}", (string id) => Show(state, "network_ip_availability", () => state.Networks.Find(n => n.Id == id) is { } n ? IpAvailability(state, n) : null, "NetworkIPAvailabilityNotFound", $"No NetworkIPAvailability found for {id}"));
        app.MapGet(Root + "/floatingips", (HttpRequest r) => List(state, r, "floatingips", () => state.FloatingIps.Select(f => FloatingIp(state, f))));
        app.MapGet(Root + "/floatingips/{id}", (string id) => Show(state, "floatingip", () => state.FloatingIps.Find(f => f.Id == id) is { } f ? FloatingIp(state, f) : null, "FloatingIPNotFound", $"Floating IP {id} could not be found"));
        app.MapPost(Root + "/floatingips", (Func<HttpContext, Task<IResult>>)(c => CreateFloatingIpAsync(c, state)));
        app.MapPut(Root + "/floatingips/{id}", (HttpContext c, string id) => UpdateFloatingIpAsync(c, state, id));
        app.MapDelete(Root + "/floatingips/{id}", (string id) =>
        {
            lock (state.Gate)
            {
                return state.FloatingIps.RemoveAll(f => f.Id == id) > 0 ? NoContent() : Neutron(404, "FloatingIPNotFound", $"Floating IP {id} could not be found");
            }
        });
    }

    private static JsonObject Versions(HttpRequest r) => new()
    {
        ["versions"] = new JsonArray(new JsonObject
        {
            ["id"] = "v2.0",
            ["status"] = "CURRENT",
            ["links"] = new JsonArray(new JsonObject { ["href"] = $"{BaseUrl(r)}/networking/v2.0/", ["rel"] = "self" }),
        }),
    };

    private static IResult List(SandboxState state, HttpRequest r, string collection, Func<IEnumerable<JsonObject>> items)
    {
        lock (state.Gate)
        {
            var list = Filter(items(), r.Query).ToList();
            if (r.Query["fields"] is { Count: > 0 } fields)
            {
                list = [.. list.Select(o => new JsonObject(o.Where(p => fields.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))))];
            }

            return Json(new JsonObject { [collection] = ToArray(list) });
        }
    }

    private static IResult Show(SandboxState state, string name, Func<JsonObject?> find, string notFoundType, string notFoundMessage)
    {
        lock (state.Gate)
        {
            return find() is { } o ? Json(new JsonObject { [name] = o }) : Neutron(404, notFoundType, notFoundMessage);
        }
    }

    private static JsonObject Std(JsonObject o, string projectId, DateTimeOffset created, DateTimeOffset? updated = null, int revision = 1)
    {
        o["tenant_id"] = projectId;
        o["project_id"] = projectId;
        o["tags"] ??= new JsonArray();
        o["description"] ??= string.Empty;
        o["created_at"] = Time(created);
        o["updated_at"] = Time(updated ?? created);
        o["revision_number"] = revision;
        return o;
    }

    private static JsonObject Network(SandboxState state, SandboxNetwork n) => Std(
        new JsonObject
        {
            ["id"] = n.Id,
            ["name"] = n.Name,
            ["admin_state_up"] = true,
            ["status"] = "ACTIVE",
            ["subnets"] = new JsonArray(n.SubnetId),
            ["shared"] = false,
            ["availability_zone_hints"] = new JsonArray(),
            ["availability_zones"] = new JsonArray("nova"),
            ["ipv4_address_scope"] = null,
            ["ipv6_address_scope"] = null,
            ["router:external"] = n.External,
            ["is_default"] = n.External,
            ["mtu"] = n.External ? 1500 : 1442,
            ["port_security_enabled"] = true,
            ["qos_policy_id"] = null,
            ["dns_domain"] = string.Empty,
            ["l2_adjacency"] = true,
            ["provider:network_type"] = n.External ? "flat" : "geneve",
            ["provider:physical_network"] = n.External ? "public" : null,
            ["provider:segmentation_id"] = n.External ? null : 1,
        },
        n.ProjectId,
        n.CreatedAt);

    private static int TotalIps(SandboxState state, SandboxNetwork n) =>
        n.External && state.Options.ExternalPoolSize is { } size ? size : n.PrefixLength == 24 ? 253 : 61;

    private static int UsedIps(SandboxState state, SandboxNetwork n) =>
        state.Ports.Count(p => p.NetworkId == n.Id) + state.FloatingIps.Count(f => f.NetworkId == n.Id);

    private static JsonObject IpAvailability(SandboxState state, SandboxNetwork n)
    {
        var total = TotalIps(state, n);
        var used = UsedIps(state, n);
        return new JsonObject
        {
            ["network_id"] = n.Id,
            ["network_name"] = n.Name,
            ["project_id"] = n.ProjectId,
            ["tenant_id"] = n.ProjectId,
            ["total_ips"] = total,
            ["used_ips"] = used,
            ["subnet_ip_availability"] = new JsonArray(new JsonObject
            {
                ["subnet_id"] = n.SubnetId,
                ["subnet_name"] = n.SubnetName,
                ["cidr"] = n.Cidr,
                ["ip_version"] = 4,
                ["total_ips"] = total,
                ["used_ips"] = used,
            }),
        };
    }

    private static JsonObject Subnet(SandboxNetwork n) => Std(
        new JsonObject
        {
            ["id"] = n.SubnetId,
            ["name"] = n.SubnetName,
            ["network_id"] = n.Id,
            ["ip_version"] = 4,
            ["cidr"] = n.Cidr,
            ["gateway_ip"] = n.Gateway,
            ["enable_dhcp"] = !n.External,
            ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = n.CidrPrefix + "2", ["end"] = n.CidrPrefix + (n.PrefixLength == 24 ? "254" : "62") }),
            ["dns_nameservers"] = new JsonArray(),
            ["host_routes"] = new JsonArray(),
            ["ipv6_address_mode"] = null,
            ["ipv6_ra_mode"] = null,
            ["subnetpool_id"] = null,
            ["service_types"] = new JsonArray(),
            ["segment_id"] = null,
            ["dns_publish_fixed_ip"] = false,
        },
        n.ProjectId,
        n.CreatedAt);

    private static JsonObject Port(SandboxState state, SandboxPort p) => Std(
        new JsonObject
        {
            ["id"] = p.Id,
            ["name"] = string.Empty,
            ["network_id"] = p.NetworkId,
            ["mac_address"] = p.MacAddress,
            ["admin_state_up"] = true,
            ["status"] = state.Servers.Find(s => s.Id == p.DeviceId) is { } s && state.ServerStatus(s).Status == "ACTIVE" ? "ACTIVE" : "DOWN",
            ["device_id"] = p.DeviceId,
            ["device_owner"] = p.DeviceOwner,
            ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = p.SubnetId, ["ip_address"] = p.IpAddress }),
            ["allowed_address_pairs"] = new JsonArray(),
            ["extra_dhcp_opts"] = new JsonArray(),
            ["security_groups"] = new JsonArray(state.AdminProject.Id[..8] + "-0000-4000-8000-000000000000"),
            ["binding:vnic_type"] = "normal",
            ["binding:host_id"] = "sandbox",
            ["binding:vif_type"] = "ovs",
            ["binding:vif_details"] = new JsonObject(),
            ["binding:profile"] = new JsonObject(),
            ["port_security_enabled"] = true,
            ["dns_name"] = string.Empty,
            ["dns_assignment"] = new JsonArray(),
            ["qos_policy_id"] = null,
            ["propagate_uplink_status"] = false,
        },
        p.ProjectId,
        p.CreatedAt);

    private static JsonObject Router(SandboxState state) => Std(
        new JsonObject
        {
            ["id"] = state.Router.Id,
            ["name"] = state.Router.Name,
            ["status"] = "ACTIVE",
            ["admin_state_up"] = true,
            ["external_gateway_info"] = new JsonObject
            {
                ["network_id"] = state.Public.Id,
                ["enable_snat"] = true,
                ["external_fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = state.Public.SubnetId, ["ip_address"] = state.Public.CidrPrefix + "2" }),
            },
            ["routes"] = new JsonArray(),
            ["distributed"] = false,
            ["ha"] = false,
            ["availability_zone_hints"] = new JsonArray(),
            ["availability_zones"] = new JsonArray("nova"),
            ["flavor_id"] = null,
        },
        state.Router.ProjectId,
        state.Public.CreatedAt);

    private static JsonObject FloatingIp(SandboxState state, SandboxFloatingIp f)
    {
        var port = f.PortId is null ? null : state.Ports.Find(p => p.Id == f.PortId);
        return Std(
            new JsonObject
            {
                ["id"] = f.Id,
                ["floating_ip_address"] = f.Address,
                ["floating_network_id"] = f.NetworkId,
                ["router_id"] = f.PortId is null ? null : f.RouterId,
                ["port_id"] = f.PortId,
                ["fixed_ip_address"] = f.FixedIpAddress,
                ["status"] = f.PortId is null ? "DOWN" : "ACTIVE",
                ["description"] = f.Description,
                ["dns_domain"] = string.Empty,
                ["dns_name"] = string.Empty,
                ["qos_policy_id"] = null,
                ["port_forwardings"] = new JsonArray(),
                ["port_details"] = port is null ? null : new JsonObject
                {
                    ["name"] = string.Empty,
                    ["network_id"] = port.NetworkId,
                    ["mac_address"] = port.MacAddress,
                    ["admin_state_up"] = true,
                    ["status"] = "ACTIVE",
                    ["device_id"] = port.DeviceId,
                    ["device_owner"] = port.DeviceOwner,
                },
            },
            f.ProjectId,
            f.CreatedAt,
            f.UpdatedAt,
            f.Revision);
    }

    private static async Task<IResult> CreateFloatingIpAsync(HttpContext c, SandboxState state)
    {
        var body = await ReadObjectAsync(c.Request);
        if (body?["floatingip"] is not JsonObject req)
        {
            return Neutron(400, "BadRequest", "Bad floatingip request: Resource body required.");
        }

        lock (state.Gate)
        {
            var projectId = state.Tokens[c.Request.Headers["X-Auth-Token"].ToString()].ProjectId;
            var netId = Str(req, "floating_network_id");
            if (netId is null)
            {
                return Neutron(400, "HTTPBadRequest", "Failed to parse request. Required attribute 'floating_network_id' not specified");
            }

            var net = state.FindNetwork(netId);
            if (net is null)
            {
                return Neutron(404, "NetworkNotFound", $"Network {netId} could not be found.");
            }

            if (!net.External)
            {
                return Neutron(400, "BadRequest", $"Bad floatingip request: Network {netId} is not a valid external network.");
            }

            if (state.FloatingIps.Count(f => f.ProjectId == projectId) >= state.Options.FloatingIpQuota)
            {
                return Neutron(409, "OverQuota", "Quota exceeded for resources: ['floatingip'].");
            }

            if (UsedIps(state, net) >= TotalIps(state, net))
            {
                return Neutron(409, "IpAddressGenerationFailure", $"No more IP addresses available on network {net.Id}.");
            }

            var now = state.Now;
            var fip = new SandboxFloatingIp
            {
                Id = SandboxState.NewUuid(),
                Address = net.AllocateAddress(),
                NetworkId = net.Id,
                ProjectId = projectId,
                RouterId = state.Router.Id,
                Description = Str(req, "description") ?? string.Empty,
                CreatedAt = now,
                UpdatedAt = now,
                Revision = 0,
            };
            if (Str(req, "port_id") is { } portId && Associate(state, fip, portId, Str(req, "fixed_ip_address")) is { } error)
            {
                return error;
            }

            state.FloatingIps.Add(fip);
            return Json(new JsonObject { ["floatingip"] = FloatingIp(state, fip) }, 201);
        }
    }

    private static async Task<IResult> UpdateFloatingIpAsync(HttpContext c, SandboxState state, string id)
    {
        var body = await ReadObjectAsync(c.Request);
        if (body?["floatingip"] is not JsonObject req)
        {
            return Neutron(400, "BadRequest", "Bad floatingip request: Resource body required.");
        }

        lock (state.Gate)
        {
            if (state.FloatingIps.Find(f => f.Id == id) is not { } fip)
            {
                return Neutron(404, "FloatingIPNotFound", $"Floating IP {id} could not be found");
            }

            if (req.ContainsKey("port_id"))
            {
                if (Str(req, "port_id") is { } portId)
                {
                    if (Associate(state, fip, portId, Str(req, "fixed_ip_address")) is { } error)
                    {
                        return error;
                    }
                }
                else
                {
                    fip.PortId = null;
                    fip.FixedIpAddress = null;
                }
            }

            if (Str(req, "description") is { } description)
            {
                fip.Description = description;
            }

            fip.UpdatedAt = state.Now;
            fip.Revision++;
            return Json(new JsonObject { ["floatingip"] = FloatingIp(state, fip) });
        }
    }

    private static IResult? Associate(SandboxState state, SandboxFloatingIp fip, string portId, string? fixedIp)
    {
        if (state.Ports.Find(p => p.Id == portId) is not { } port)
        {
            return Neutron(404, "PortNotFound", $"Port {portId} could not be found.");
        }

        if (port.NetworkId != state.Private.Id && !state.Router.SubnetIds.Contains(port.SubnetId))
        {
            return Neutron(404, "ExternalGatewayForFloatingIPNotFound", $"External network {fip.NetworkId} is not reachable from subnet {port.SubnetId}.  Therefore, cannot associate Port {portId} with a Floating IP.");
        }

        if (state.FloatingIps.Find(f => f.PortId == portId && f.Id != fip.Id) is { } other)
        {
            return Neutron(409, "FloatingIPPortAlreadyAssociated", $"Cannot associate floating IP {fip.Address} ({fip.Id}) with port {portId} using fixed IP {port.IpAddress}, as that fixed IP already has a floating IP on external network {other.NetworkId}.");
        }

        fip.PortId = portId;
        fip.FixedIpAddress = fixedIp ?? port.IpAddress;
        return null;
    }
}
