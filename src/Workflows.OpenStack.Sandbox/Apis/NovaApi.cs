using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Workflows.OpenStack.Sandbox.State;
using static Workflows.OpenStack.Sandbox.Apis.SandboxHttp;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Nova v2.1 with microversions up to 2.93: flavors, keypairs, servers.</summary>
internal static class NovaApi
{
    public const string MaxVersion = "2.93";
    private const string Root = "/compute/v2.1";

    public static void MapNova(this IEndpointRouteBuilder app, SandboxState state)
    {
        app.MapGet("/compute", (HttpRequest r) => Json(new JsonObject { ["versions"] = new JsonArray(Version(r)) }, 300));
        app.MapGet(Root, (HttpRequest r) => Json(new JsonObject { ["version"] = Version(r) }));
        app.MapGet(Root + "/", (HttpRequest r) => Json(new JsonObject { ["version"] = Version(r) }));

        app.MapGet(Root + "/flavors", (HttpContext c) => ListFlavors(c, state, detail: false));
        app.MapGet(Root + "/flavors/detail", (HttpContext c) => ListFlavors(c, state, detail: true));
        app.MapGet(Root + "/flavors/{id}", (HttpContext c, string id) =>
        {
            lock (state.Gate)
            {
                return state.Flavors.Find(f => f.Id == id) is { } f
                    ? Json(new JsonObject { ["flavor"] = Flavor(c.Request, f, Microversion(c), detail: true) })
                    : Nova(404, $"Flavor {id} could not be found.");
            }
        });
        app.MapGet(Root + "/flavors/{id}/os-extra_specs", () => Json(new JsonObject { ["extra_specs"] = new JsonObject() }));

        // Nova's absolute limits: the project's quota and what it uses (GET /limits, what `openstack limits show --absolute` reads).
        app.MapGet(Root + "/limits", (HttpContext c) =>
        {
            lock (state.Gate)
            {
                var caller = Caller(c, state);
                var servers = state.Servers.Where(x => x.ProjectId == caller.ProjectId).ToList();
                var flavors = servers.Select(x => state.Flavors.Find(f => f.Id == x.FlavorId)).OfType<SandboxFlavor>().ToList();
                return Json(new JsonObject
                {
                    ["limits"] = new JsonObject
                    {
                        ["rate"] = new JsonArray(),
                        ["absolute"] = new JsonObject
                        {
                            ["maxTotalInstances"] = state.Options.InstanceQuota,
                            ["totalInstancesUsed"] = servers.Count,
                            ["maxTotalCores"] = state.Options.CoreQuota,
                            ["totalCoresUsed"] = flavors.Sum(f => f.Vcpus),
                            ["maxTotalRAMSize"] = state.Options.RamQuota,
                            ["totalRAMUsed"] = flavors.Sum(f => f.Ram),
                            ["maxTotalKeypairs"] = 100,
                            ["maxServerMeta"] = 128,
                            ["maxImageMeta"] = 128,
                            ["maxPersonality"] = 5,
                            ["maxPersonalitySize"] = 10240,
                            ["maxServerGroups"] = 10,
                            ["maxServerGroupMembers"] = 10,
                            ["totalServerGroupsUsed"] = 0,
                        },
                    },
                });
            }
        });

        app.MapGet(Root + "/os-keypairs", (HttpContext c) =>
        {
            lock (state.Gate)
            {
                var mv = Microversion(c);
                return Json(new JsonObject { ["keypairs"] = ToArray(state.Keypairs.Select(k => (JsonNode)new JsonObject { ["keypair"] = Keypair(k, mv, full: false) })) });
            }
        });
        app.MapGet(Root + "/os-keypairs/{name}", (HttpContext c, string name) =>
        {
            lock (state.Gate)
            {
                return state.Keypairs.Find(k => k.Name == name) is { } k
                    ? Json(new JsonObject { ["keypair"] = Keypair(k, Microversion(c), full: true) })
                    : Nova(404, $"Keypair {name} not found for user {Caller(c, state).UserId}");
            }
        });
        app.MapPost(Root + "/os-keypairs", (Func<HttpContext, Task<IResult>>)(c => CreateKeypairAsync(c, state)));
        app.MapDelete(Root + "/os-keypairs/{name}", (HttpContext c, string name) =>
        {
            lock (state.Gate)
            {
                return state.Keypairs.RemoveAll(k => k.Name == name) > 0 ? Results.StatusCode(202) : Nova(404, $"Keypair {name} not found for user {Caller(c, state).UserId}");
            }
        });

        app.MapGet(Root + "/servers", (HttpContext c) => ListServers(c, state, detail: false));
        app.MapGet(Root + "/servers/detail", (HttpContext c) => ListServers(c, state, detail: true));
        app.MapPost(Root + "/servers", (Func<HttpContext, Task<IResult>>)(c => CreateServerAsync(c, state)));
        app.MapGet(Root + "/servers/{id}", (HttpContext c, string id) =>
        {
            lock (state.Gate)
            {
                return state.FindServer(id) is { } s
                    ? Json(new JsonObject { ["server"] = Server(c.Request, state, s, Microversion(c)) })
                    : Nova(404, $"Instance {id} could not be found.");
            }
        });
        app.MapDelete(Root + "/servers/{id}", (string id) =>
        {
            lock (state.Gate)
            {
                if (state.FindServer(id) is not { } s)
                {
                    return Nova(404, $"Instance {id} could not be found.");
                }

                s.DeleteRequestedAt ??= state.Now;
                return NoContent();
            }
        });
        app.MapGet(Root + "/servers/{id}/metadata", (string id) =>
        {
            lock (state.Gate)
            {
                return state.FindServer(id) is { } s
                    ? Json(new JsonObject { ["metadata"] = StringMap(s.Metadata) })
                    : Nova(404, $"Instance {id} could not be found.");
            }
        });
        app.MapGet(Root + "/servers/{id}/os-interface", (string id) =>
        {
            lock (state.Gate)
            {
                if (state.FindServer(id) is not { } s)
                {
                    return Nova(404, $"Instance {id} could not be found.");
                }

                var attachments = state.Ports.Where(p => s.PortIds.Contains(p.Id)).Select(p => (JsonNode)new JsonObject
                {
                    ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = p.IpAddress, ["subnet_id"] = p.SubnetId }),
                    ["mac_addr"] = p.MacAddress,
                    ["net_id"] = p.NetworkId,
                    ["port_id"] = p.Id,
                    ["port_state"] = "ACTIVE",
                });
                return Json(new JsonObject { ["interfaceAttachments"] = ToArray(attachments) });
            }
        });
    }

    /// <summary>The microversion asked for by <c>OpenStack-API-Version: compute X</c> or <c>X-OpenStack-Nova-API-Version</c>; 2.1 when absent.</summary>
    internal static Version Microversion(HttpContext c)
    {
        var header = c.Request.Headers["OpenStack-API-Version"].ToString();
        string? value = null;
        if (header.StartsWith("compute ", StringComparison.OrdinalIgnoreCase))
        {
            value = header["compute ".Length..].Trim();
        }
        else if (c.Request.Headers["X-OpenStack-Nova-API-Version"].ToString() is { Length: > 0 } legacy)
        {
            value = legacy.Trim();
        }

        var max = System.Version.Parse(MaxVersion);
        var v = value is null ? new Version(2, 1)
            : string.Equals(value, "latest", StringComparison.OrdinalIgnoreCase) ? max
            : System.Version.TryParse(value, out var parsed) ? parsed : new Version(2, 1);
        c.Items["nova.mv"] = v;
        return v;
    }

    private static JsonObject Version(HttpRequest r) => new()
    {
        ["id"] = "v2.1",
        ["status"] = "CURRENT",
        ["version"] = MaxVersion,
        ["min_version"] = "2.1",
        ["updated"] = "2013-07-23T11:33:21Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{BaseUrl(r)}{Root}/" }),
        ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.compute+json;version=2.1" }),
    };

    private static (string UserId, string ProjectId) Caller(HttpContext c, SandboxState state)
    {
        var t = state.Tokens[c.Request.Headers["X-Auth-Token"].ToString()];
        return (t.UserId, t.ProjectId);
    }

    private static JsonArray Links(HttpRequest r, string kind, string id) =>
    [
        new JsonObject { ["rel"] = "self", ["href"] = $"{BaseUrl(r)}{Root}/{kind}/{id}" },
        new JsonObject { ["rel"] = "bookmark", ["href"] = $"{BaseUrl(r)}/compute/{kind}/{id}" },
    ];

    private static IResult ListFlavors(HttpContext c, SandboxState state, bool detail)
    {
        lock (state.Gate)
        {
            var mv = Microversion(c);
            var items = state.Flavors.Select(f => Flavor(c.Request, f, mv, detail));
            var minRam = c.Request.Query["minRam"].ToString();
            if (int.TryParse(minRam, CultureInfo.InvariantCulture, out var ram))
            {
                items = items.Where(f => f["ram"] is null || f["ram"]!.GetValue<int>() >= ram);
            }

            return Json(new JsonObject { ["flavors"] = ToArray(items) });
        }
    }

    private static JsonObject Flavor(HttpRequest r, SandboxFlavor f, Version mv, bool detail)
    {
        var o = new JsonObject { ["id"] = f.Id, ["name"] = f.Name, ["links"] = Links(r, "flavors", f.Id) };
        if (mv >= new Version(2, 55))
        {
            o["description"] = null;
        }

        if (!detail)
        {
            return o;
        }

        o["ram"] = f.Ram;
        o["disk"] = f.Disk;
        o["vcpus"] = f.Vcpus;
        o["swap"] = mv >= new Version(2, 75) ? 0 : string.Empty;
        o["OS-FLV-EXT-DATA:ephemeral"] = 0;
        o["OS-FLV-DISABLED:disabled"] = false;
        o["os-flavor-access:is_public"] = true;
        o["rxtx_factor"] = 1.0;
        if (mv >= new Version(2, 61))
        {
            o["extra_specs"] = new JsonObject();
        }

        return o;
    }

    private static JsonObject Keypair(SandboxKeypair k, Version mv, bool full)
    {
        var o = new JsonObject { ["name"] = k.Name, ["public_key"] = k.PublicKey, ["fingerprint"] = k.Fingerprint };
        if (mv >= new Version(2, 2))
        {
            o["type"] = "ssh";
        }

        if (full)
        {
            o["user_id"] = k.UserId;
            o["created_at"] = TimeMicro(k.CreatedAt);
            o["deleted"] = false;
            o["deleted_at"] = null;
            o["updated_at"] = null;
            o["id"] = Math.Abs(k.Name.GetHashCode(StringComparison.Ordinal) % 1000);
        }

        return o;
    }

    private static async Task<IResult> CreateKeypairAsync(HttpContext c, SandboxState state)
    {
        var body = await ReadObjectAsync(c.Request);
        if (body?["keypair"] is not JsonObject kp || Str(kp, "name") is not { } name)
        {
            return Nova(400, "Invalid input for field/attribute keypair. Value: None. 'name' is a required property");
        }

        var mv = Microversion(c);
        string publicKey;
        string? privateKey = null;
        if (Str(kp, "public_key") is { } given)
        {
            publicKey = given;
        }
        else
        {
            using var rsa = RSA.Create(2048);
            publicKey = OpenSshPublicKey(rsa, name);
            privateKey = rsa.ExportRSAPrivateKeyPem();
        }

        var parts = publicKey.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        byte[] blob;
        try
        {
            blob = parts.Length >= 2 ? Convert.FromBase64String(parts[1]) : throw new FormatException();
        }
        catch (FormatException)
        {
            return Nova(400, "Keypair data is invalid: failed to generate fingerprint");
        }

        var fingerprint = string.Join(':', MD5Like(blob));
        lock (state.Gate)
        {
            if (state.Keypairs.Any(k => k.Name == name))
            {
                return Nova(409, $"Key pair '{name}' already exists.");
            }

            var k = new SandboxKeypair(name, publicKey, fingerprint, Caller(c, state).UserId, state.Now);
            state.Keypairs.Add(k);
            var o = Keypair(k, mv, full: false);
            o["user_id"] = k.UserId;
            if (privateKey is not null)
            {
                o["private_key"] = privateKey;
            }

            return Json(new JsonObject { ["keypair"] = o }, mv >= new Version(2, 2) ? 201 : 200);
        }
    }

    // Nova shows the MD5 fingerprint; the sandbox only needs a stable 16-byte digest of the same look.
    private static IEnumerable<string> MD5Like(byte[] blob) => SHA256.HashData(blob).Take(16).Select(b => b.ToString("x2", CultureInfo.InvariantCulture));

    private static string OpenSshPublicKey(RSA rsa, string comment)
    {
        var p = rsa.ExportParameters(false);
        using var ms = new MemoryStream();
        void Write(byte[] data)
        {
            var len = BitConverter.GetBytes(data.Length);
            if (BitConverter.IsLittleEndian)
            {
                Array.Reverse(len);
            }

            ms.Write(len);
            ms.Write(data);
        }

        Write(Encoding.ASCII.GetBytes("ssh-rsa"));
        Write(p.Exponent!);
        Write([0, .. p.Modulus!]);
        return $"ssh-rsa {Convert.ToBase64String(ms.ToArray())} {comment}";
    }

    private static IResult ListServers(HttpContext c, SandboxState state, bool detail)
    {
        lock (state.Gate)
        {
            var mv = Microversion(c);
            var caller = Caller(c, state);
            var q = c.Request.Query;
            IEnumerable<SandboxServer> servers = state.Servers.Where(s => s.ProjectId == caller.ProjectId || q["all_tenants"].Count > 0);
            if (q["name"].ToString() is { Length: > 0 } name)
            {
                servers = servers.Where(s => Regex.IsMatch(s.Name, name, RegexOptions.None, TimeSpan.FromSeconds(1)));
            }

            if (q["status"].ToString() is { Length: > 0 } status)
            {
                servers = servers.Where(s => string.Equals(state.ServerStatus(s).Status, status, StringComparison.OrdinalIgnoreCase));
            }

            if (q["tags"].ToString() is { Length: > 0 } tags)
            {
                var all = tags.Split(',');
                servers = servers.Where(s => all.All(s.Tags.Contains));
            }

            if (q["tags-any"].ToString() is { Length: > 0 } tagsAny)
            {
                var any = tagsAny.Split(',');
                servers = servers.Where(s => any.Any(s.Tags.Contains));
            }

            var items = servers.OrderByDescending(s => s.CreatedAt).Select(s => detail
                ? Server(c.Request, state, s, mv)
                : new JsonObject { ["id"] = s.Id, ["links"] = Links(c.Request, "servers", s.Id), ["name"] = s.Name });
            return Json(new JsonObject { ["servers"] = ToArray(items) });
        }
    }

    private static async Task<IResult> CreateServerAsync(HttpContext c, SandboxState state)
    {
        var body = await ReadObjectAsync(c.Request);
        var mv = Microversion(c);
        if (body?["server"] is not JsonObject s)
        {
            return Nova(400, "Invalid input for field/attribute server. Value: None. 'server' is a required property");
        }

        if (Str(s, "name") is not { Length: > 0 } name)
        {
            return Nova(400, $"Invalid input for field/attribute server. Value: {s.ToJsonString()}. 'name' is a required property");
        }

        if (s["tags"] is not null && mv < new Version(2, 52))
        {
            return Nova(400, $"Invalid input for field/attribute server. Value: {s.ToJsonString()}. Additional properties are not allowed ('tags' was unexpected)");
        }

        lock (state.Gate)
        {
            var caller = Caller(c, state);
            var imageRef = Str(s, "imageRef") ?? string.Empty;
            var image = state.Images.Find(i => i.Id == imageRef);
            if (image is null)
            {
                return Nova(400, "Can not find requested image");
            }

            var flavorRef = Str(s, "flavorRef") ?? s["flavorRef"]?.ToJsonString() ?? string.Empty;
            var flavorId = flavorRef.Contains('/', StringComparison.Ordinal) ? flavorRef[(flavorRef.LastIndexOf('/') + 1)..] : flavorRef;
            var flavor = state.Flavors.Find(f => f.Id == flavorId);
            if (flavor is null)
            {
                return Nova(400, $"Flavor {flavorRef} could not be found.");
            }

            var keyName = Str(s, "key_name");
            if (keyName is not null && !state.Keypairs.Any(k => k.Name == keyName))
            {
                return Nova(400, "Invalid key_name provided.");
            }

            var networks = new List<SandboxNetwork>();
            switch (s["networks"])
            {
                case JsonArray list:
                    foreach (var n in list.OfType<JsonObject>())
                    {
                        if (Str(n, "port") is { } portId)
                        {
                            return Nova(400, $"Port {portId} is not usable for instance (pre-created ports are not supported by the sandbox).");
                        }

                        var netId = Str(n, "uuid") ?? string.Empty;
                        var net = state.FindNetwork(netId);
                        if (net is null)
                        {
                            return Nova(400, $"Network {netId} could not be found.");
                        }

                        networks.Add(net);
                    }

                    break;
                case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String && v.GetValue<string>() == "none":
                    break;
                case null when mv >= new Version(2, 37):
                    return Nova(400, $"Invalid input for field/attribute server. Value: {s.ToJsonString()}. 'networks' is a required property");
                default:
                    networks.Add(state.Private);
                    break;
            }

            if (state.Servers.Count(x => x.ProjectId == caller.ProjectId) >= state.Options.InstanceQuota)
            {
                var used = state.Servers.Count(x => x.ProjectId == caller.ProjectId);
                return Nova(403, $"Quota exceeded for instances: Requested 1, but already used {used} of {state.Options.InstanceQuota} instances");
            }

            var usedFlavors = state.Servers.Where(x => x.ProjectId == caller.ProjectId).Select(x => state.Flavors.Find(f => f.Id == x.FlavorId)).OfType<SandboxFlavor>().ToList();
            if (usedFlavors.Sum(f => f.Vcpus) + flavor.Vcpus > state.Options.CoreQuota)
            {
                return Nova(403, $"Quota exceeded for cores: Requested {flavor.Vcpus}, but already used {usedFlavors.Sum(f => f.Vcpus)} of {state.Options.CoreQuota} cores");
            }

            if (usedFlavors.Sum(f => f.Ram) + flavor.Ram > state.Options.RamQuota)
            {
                return Nova(403, $"Quota exceeded for ram: Requested {flavor.Ram}, but already used {usedFlavors.Sum(f => f.Ram)} of {state.Options.RamQuota} ram");
            }

            var now = state.Now;
            var server = new SandboxServer
            {
                Id = SandboxState.NewUuid(),
                Name = name,
                ImageId = image.Id,
                FlavorId = flavor.Id,
                KeyName = keyName,
                UserData = Str(s, "user_data"),
                Metadata = ReadStringMap(s["metadata"]),
                Tags = s["tags"] is JsonArray t ? [.. t.Select(x => x!.GetValue<string>())] : [],
                PortIds = [],
                ProjectId = caller.ProjectId,
                UserId = caller.UserId,
                CreatedAt = now,
                WillFail = SandboxState.Matches(state.Options.ServerBuildFailurePattern, name),
                AdminPass = Convert.ToBase64String(RandomNumberGenerator.GetBytes(9)),
            };
            foreach (var net in networks)
            {
                var port = new SandboxPort
                {
                    Id = SandboxState.NewUuid(),
                    NetworkId = net.Id,
                    SubnetId = net.SubnetId,
                    MacAddress = SandboxState.NewMac(),
                    IpAddress = net.AllocateAddress(),
                    DeviceId = server.Id,
                    DeviceOwner = "compute:nova",
                    ProjectId = caller.ProjectId,
                    CreatedAt = now,
                };
                state.Ports.Add(port);
                server.PortIds.Add(port.Id);
            }

            state.Servers.Add(server);
            c.Response.Headers.Location = $"{BaseUrl(c.Request)}{Root}/servers/{server.Id}";
            return Json(
                new JsonObject
                {
                    ["server"] = new JsonObject
                    {
                        ["id"] = server.Id,
                        ["links"] = Links(c.Request, "servers", server.Id),
                        ["OS-DCF:diskConfig"] = "MANUAL",
                        ["security_groups"] = new JsonArray(new JsonObject { ["name"] = "default" }),
                        ["adminPass"] = server.AdminPass,
                    },
                },
                202);
        }
    }

    internal static JsonObject Server(HttpRequest r, SandboxState state, SandboxServer s, Version mv)
    {
        var (status, progress) = state.ServerStatus(s);
        var flavor = state.Flavors.Find(f => f.Id == s.FlavorId)!;
        var addresses = new JsonObject();
        if (status != "BUILD")
        {
            foreach (var port in state.Ports.Where(p => s.PortIds.Contains(p.Id)))
            {
                var net = state.Networks.Find(n => n.Id == port.NetworkId)!;
                var list = new JsonArray(new JsonObject { ["version"] = 4, ["addr"] = port.IpAddress, ["OS-EXT-IPS:type"] = "fixed", ["OS-EXT-IPS-MAC:mac_addr"] = port.MacAddress });
                foreach (var fip in state.FloatingIps.Where(f => f.PortId == port.Id))
                {
                    list.Add(new JsonObject { ["version"] = 4, ["addr"] = fip.Address, ["OS-EXT-IPS:type"] = "floating", ["OS-EXT-IPS-MAC:mac_addr"] = port.MacAddress });
                }

                addresses[net.Name] = list;
            }
        }

        var ready = state.ServerReadyAt(s);
        var o = new JsonObject
        {
            ["id"] = s.Id,
            ["name"] = s.Name,
            ["status"] = status,
            ["tenant_id"] = s.ProjectId,
            ["user_id"] = s.UserId,
            ["metadata"] = StringMap(s.Metadata),
            ["hostId"] = status == "BUILD" ? string.Empty : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s.ProjectId + "sandbox")))[..56],
            ["image"] = new JsonObject { ["id"] = s.ImageId, ["links"] = new JsonArray(new JsonObject { ["rel"] = "bookmark", ["href"] = $"{BaseUrl(r)}/compute/images/{s.ImageId}" }) },
            ["flavor"] = mv >= new Version(2, 47)
                ? new JsonObject { ["vcpus"] = flavor.Vcpus, ["ram"] = flavor.Ram, ["disk"] = flavor.Disk, ["ephemeral"] = 0, ["swap"] = 0, ["original_name"] = flavor.Name, ["extra_specs"] = new JsonObject() }
                : new JsonObject { ["id"] = flavor.Id, ["links"] = new JsonArray(new JsonObject { ["rel"] = "bookmark", ["href"] = $"{BaseUrl(r)}/compute/flavors/{flavor.Id}" }) },
            ["created"] = Time(s.CreatedAt),
            ["updated"] = Time(status == "BUILD" ? s.CreatedAt : ready),
            ["addresses"] = addresses,
            ["accessIPv4"] = string.Empty,
            ["accessIPv6"] = string.Empty,
            ["links"] = Links(r, "servers", s.Id),
            ["OS-DCF:diskConfig"] = "MANUAL",
            ["progress"] = progress,
            ["OS-EXT-AZ:availability_zone"] = status == "BUILD" ? string.Empty : "nova",
            ["config_drive"] = string.Empty,
            ["key_name"] = s.KeyName,
            ["OS-SRV-USG:launched_at"] = status == "ACTIVE" ? TimeMicro(ready) : null,
            ["OS-SRV-USG:terminated_at"] = null,
            ["OS-EXT-SRV-ATTR:host"] = status == "BUILD" ? null : "sandbox",
            ["OS-EXT-SRV-ATTR:instance_name"] = "instance-" + s.Id[..8],
            ["OS-EXT-SRV-ATTR:hypervisor_hostname"] = status == "BUILD" ? null : "sandbox",
            ["OS-EXT-STS:task_state"] = s.DeleteRequestedAt is not null ? "deleting" : status == "BUILD" ? "spawning" : null,
            ["OS-EXT-STS:vm_state"] = status switch { "BUILD" => "building", "ERROR" => "error", _ => "active" },
            ["OS-EXT-STS:power_state"] = status == "ACTIVE" ? 1 : 0,
            ["os-extended-volumes:volumes_attached"] = new JsonArray(),
            ["security_groups"] = new JsonArray(new JsonObject { ["name"] = "default" }),
        };
        if (mv >= new Version(2, 9))
        {
            o["locked"] = false;
        }

        if (mv >= new Version(2, 16))
        {
            o["host_status"] = status == "BUILD" ? string.Empty : "UP";
        }

        if (mv >= new Version(2, 19))
        {
            o["description"] = null;
        }

        if (mv >= new Version(2, 26))
        {
            o["tags"] = ToArray(s.Tags.Select(t => (JsonNode)JsonValue.Create(t)));
        }

        if (mv >= new Version(2, 63))
        {
            o["trusted_image_certificates"] = null;
        }

        if (mv >= new Version(2, 73))
        {
            o["locked_reason"] = null;
        }

        if (mv >= new Version(2, 90))
        {
            o["OS-EXT-SRV-ATTR:hostname"] = s.Name;
        }

        if (status == "ERROR")
        {
            o["fault"] = new JsonObject
            {
                ["code"] = 500,
                ["created"] = Time(ready),
                ["message"] = "No valid host was found. There are not enough hosts available.",
                ["details"] = "Traceback (most recent call last):\n  File \"/opt/stack/nova/nova/conductor/manager.py\", line 1580, in schedule_and_build_instances\nnova.exception.NoValidHost: No valid host was found. There are not enough hosts available.\n",
            };
        }

        return o;
    }
}
