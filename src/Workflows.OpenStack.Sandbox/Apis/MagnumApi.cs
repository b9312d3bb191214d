using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Workflows.OpenStack.Sandbox.State;
using static Workflows.OpenStack.Sandbox.Apis.SandboxHttp;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Magnum v1 (container-infra 1.1–1.11): cluster templates, clusters (create, show, list, delete, resize), certificates.</summary>
internal static class MagnumApi
{
    public const string MaxVersion = "1.11";
    private const string Root = "/container-infra/v1";

    public static void MapMagnum(this IEndpointRouteBuilder app, SandboxState state)
    {
        app.MapGet("/container-infra", (HttpRequest r) => Json(new JsonObject
        {
            ["default_version"] = Version(r),
            ["description"] = "Magnum is an OpenStack project which aims to provide container cluster management.",
            ["name"] = "OpenStack Magnum API",
            ["versions"] = new JsonArray(Version(r)),
        }));
        app.MapGet(Root, (HttpRequest r) => Json(V1(r)));
        app.MapGet(Root + "/", (HttpRequest r) => Json(V1(r)));

        app.MapGet(Root + "/clustertemplates", (HttpRequest r) => Locked(state, () => Json(new JsonObject { ["clustertemplates"] = ToArray(state.ClusterTemplates.Select(t => (JsonNode)Template(r, t))) })));
        app.MapGet(Root + "/clustertemplates/detail", (HttpRequest r) => Locked(state, () => Json(new JsonObject { ["clustertemplates"] = ToArray(state.ClusterTemplates.Select(t => (JsonNode)Template(r, t))) })));
        app.MapGet(Root + "/clustertemplates/{ident}", (HttpRequest r, string ident) => Locked(state, () =>
            FindTemplate(state, ident, out var t) is { } error ? error : Json(Template(r, t!))));
        app.MapPost(Root + "/clustertemplates", (Func<HttpContext, Task<IResult>>)(c => CreateTemplateAsync(c, state)));
        app.MapDelete(Root + "/clustertemplates/{ident}", (string ident) => Locked(state, () =>
        {
            if (FindTemplate(state, ident, out var t) is { } error)
            {
                return error;
            }

            if (state.Clusters.Any(c => c.TemplateId == t!.Uuid))
            {
                return Magnum(400, $"ClusterTemplate {t!.Uuid} is referenced by one or multiple clusters.");
            }

            state.ClusterTemplates.Remove(t!);
            return NoContent();
        }));

        app.MapGet(Root + "/clusters", (HttpRequest r) => Locked(state, () => Json(new JsonObject { ["clusters"] = ToArray(state.Clusters.Select(c => (JsonNode)Cluster(r, state, c, summary: true))) })));
        app.MapGet(Root + "/clusters/detail", (HttpRequest r) => Locked(state, () => Json(new JsonObject { ["clusters"] = ToArray(state.Clusters.Select(c => (JsonNode)Cluster(r, state, c, summary: false))) })));
        app.MapGet(Root + "/clusters/{ident}", (HttpRequest r, string ident) => Locked(state, () =>
            FindCluster(state, ident, out var c) is { } error ? error : Json(Cluster(r, state, c!, summary: false))));
        app.MapPost(Root + "/clusters", (Func<HttpContext, Task<IResult>>)(async c =>
        {
            var created = await CreateClusterAsync(c, state);
            await EnsureKubernetesApisAsync(state, c.RequestAborted);
            return created;
        }));
        app.MapDelete(Root + "/clusters/{ident}", (string ident) => Locked(state, () =>
        {
            if (FindCluster(state, ident, out var c) is { } error)
            {
                return error;
            }

            c!.DeleteRequestedAt ??= state.Now;
            _ = state.KubernetesClusters.StopAsync(c.Uuid);
            return NoContent();
        }));
        app.MapPost(Root + "/clusters/{ident}/actions/resize", async (HttpContext http, string ident) =>
        {
            var body = await ReadObjectAsync(http.Request);
            return Locked(state, () =>
            {
                if (FindCluster(state, ident, out var c) is { } error)
                {
                    return error;
                }

                if (body is null || Int(body, "node_count") is not { } count || count < 0)
                {
                    return Magnum(400, "Invalid input for field/attribute node_count. Value: None. Mandatory field missing.");
                }

                var (status, _) = state.ClusterStatus(c!);
                if (status.EndsWith("IN_PROGRESS", StringComparison.Ordinal) || status.EndsWith("FAILED", StringComparison.Ordinal))
                {
                    return Magnum(409, $"Updating a cluster when status is \"{status}\" is not supported");
                }

                c!.NodeCount = count;
                c.UpdateRequestedAt = state.Now;
                c.UpdatedAt = state.Now;
                return Json(new JsonObject { ["uuid"] = c.Uuid }, 202);
            });
        });

        app.MapGet(Root + "/certificates/{ident}", (HttpRequest r, string ident) => Locked(state, () =>
        {
            if (FindCluster(state, ident, out var c) is { } error)
            {
                return error;
            }

            return Json(new JsonObject { ["cluster_uuid"] = c!.Uuid, ["pem"] = c.Ca.ExportCertificatePem() + "\n", ["links"] = CertLinks(r, c.Uuid) });
        }));
        app.MapPost(Root + "/certificates", (Func<HttpContext, Task<IResult>>)(async http =>
        {
            var body = await ReadObjectAsync(http.Request);
            var ident = body is null ? null : Str(body, "cluster_uuid") ?? Str(body, "bay_uuid");
            var csr = body is null ? null : Str(body, "csr");
            if (ident is null || csr is null)
            {
                return Magnum(400, "Invalid input for field/attribute csr. Value: None. Mandatory field missing.");
            }

            return Locked(state, () =>
            {
                if (FindCluster(state, ident, out var c) is { } error)
                {
                    return error;
                }

                string pem;
                try
                {
                    pem = Sign(c!.Ca, csr, state.Now);
                }
                catch (CryptographicException)
                {
                    return Magnum(400, "Invalid CSR.");
                }

                return Json(new JsonObject { ["cluster_uuid"] = c.Uuid, ["csr"] = csr, ["pem"] = pem, ["links"] = CertLinks(http.Request, c.Uuid) }, 201);
            });
        }));
    }

    /// <summary>
    /// Starts the Kubernetes API (HTTPS on its own loopback port, the cluster CA) of every <c>kubernetes</c> cluster
    /// that should have one and has none: after a create, and after the clusters were restored.
    /// </summary>
    internal static async Task EnsureKubernetesApisAsync(SandboxState state, CancellationToken cancellationToken = default)
    {
        List<SandboxCluster> missing;
        lock (state.Gate)
        {
            missing = state.Clusters
                .Where(c => !c.WillFail && c.DeleteRequestedAt is null && state.KubernetesClusters.AddressOf(c.Uuid) is null
                    && state.ClusterTemplates.Find(t => t.Uuid == c.TemplateId)?.Coe == "kubernetes")
                .ToList();
        }

        foreach (var c in missing)
        {
            await state.KubernetesClusters.StartAsync(c.Uuid, c.Ca, cancellationToken: cancellationToken);
        }
    }

    private static IResult Locked(SandboxState state, Func<IResult> f)
    {
        lock (state.Gate)
        {
            return f();
        }
    }

    private static JsonObject Version(HttpRequest r) => new()
    {
        ["id"] = "v1",
        ["links"] = new JsonArray(new JsonObject { ["href"] = $"{BaseUrl(r)}{Root}/", ["rel"] = "self" }),
        ["max_version"] = MaxVersion,
        ["min_version"] = "1.1",
        ["status"] = "CURRENT",
    };

    private static JsonObject V1(HttpRequest r)
    {
        var o = new JsonObject
        {
            ["id"] = "v1",
            ["links"] = new JsonArray(new JsonObject { ["href"] = $"{BaseUrl(r)}{Root}/", ["rel"] = "self" }),
            ["media_types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.magnum.v1+json" }),
        };
        foreach (var name in new[] { "clustertemplates", "clusters", "certificates", "mservices", "stats", "quotas", "federations", "nodegroups" })
        {
            o[name] = new JsonArray(new JsonObject { ["href"] = $"{BaseUrl(r)}{Root}/{name}/", ["rel"] = "self" });
        }

        return o;
    }

    private static JsonArray Links(HttpRequest r, string kind, string id) =>
    [
        new JsonObject { ["href"] = $"{BaseUrl(r)}{Root}/{kind}/{id}", ["rel"] = "self" },
        new JsonObject { ["href"] = $"{BaseUrl(r)}/container-infra/{kind}/{id}", ["rel"] = "bookmark" },
    ];

    private static JsonArray CertLinks(HttpRequest r, string uuid) => Links(r, "certificates", uuid);

    private static IResult? FindTemplate(SandboxState state, string ident, out SandboxClusterTemplate? template)
    {
        template = state.ClusterTemplates.Find(t => t.Uuid == ident);
        if (template is not null)
        {
            return null;
        }

        var named = state.ClusterTemplates.Where(t => t.Name == ident).ToList();
        if (named.Count > 1)
        {
            return Magnum(409, "Multiple cluster_templates exist with same name. Please use the cluster_template uuid instead.");
        }

        template = named.FirstOrDefault();
        return template is null ? Magnum(404, $"ClusterTemplate {ident} could not be found.") : null;
    }

    private static IResult? FindCluster(SandboxState state, string ident, out SandboxCluster? cluster)
    {
        cluster = state.Clusters.Find(c => c.Uuid == ident);
        if (cluster is not null)
        {
            return null;
        }

        var named = state.Clusters.Where(c => c.Name == ident).ToList();
        if (named.Count > 1)
        {
            return Magnum(409, "Multiple clusters exist with same name. Please use the cluster uuid instead.");
        }

        cluster = named.FirstOrDefault();
        return cluster is null ? Magnum(404, $"Cluster {ident} could not be found.") : null;
    }

    private static JsonObject Template(HttpRequest r, SandboxClusterTemplate t) => new()
    {
        ["insecure_registry"] = null,
        ["links"] = Links(r, "clustertemplates", t.Uuid),
        ["http_proxy"] = null,
        ["updated_at"] = null,
        ["floating_ip_enabled"] = t.FloatingIpEnabled,
        ["fixed_subnet"] = null,
        ["master_flavor_id"] = t.MasterFlavorId,
        ["user_id"] = t.UserId,
        ["uuid"] = t.Uuid,
        ["no_proxy"] = null,
        ["https_proxy"] = null,
        ["tls_disabled"] = t.TlsDisabled,
        ["keypair_id"] = t.KeypairId,
        ["project_id"] = t.ProjectId,
        ["public"] = t.Public,
        ["labels"] = StringMap(t.Labels),
        ["docker_volume_size"] = t.DockerVolumeSize,
        ["server_type"] = t.ServerType,
        ["external_network_id"] = t.ExternalNetworkId,
        ["cluster_distro"] = "fedora-coreos",
        ["image_id"] = t.ImageId,
        ["volume_driver"] = t.VolumeDriver,
        ["registry_enabled"] = false,
        ["docker_storage_driver"] = t.DockerStorageDriver ?? "overlay2",
        ["apiserver_port"] = null,
        ["name"] = t.Name,
        ["created_at"] = TimeOffset(t.CreatedAt),
        ["network_driver"] = t.NetworkDriver ?? (t.Coe == "kubernetes" ? "flannel" : "docker"),
        ["fixed_network"] = t.FixedNetwork,
        ["coe"] = t.Coe,
        ["flavor_id"] = t.FlavorId,
        ["master_lb_enabled"] = t.MasterLbEnabled,
        ["dns_nameserver"] = t.DnsNameserver ?? "8.8.8.8",
        ["hidden"] = false,
        ["tags"] = null,
    };

    private static JsonObject Cluster(HttpRequest r, SandboxState state, SandboxCluster c, bool summary)
    {
        var (status, reason) = state.ClusterStatus(c);
        var template = state.ClusterTemplates.Find(t => t.Uuid == c.TemplateId);
        var complete = status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_IN_PROGRESS";
        var o = new JsonObject
        {
            ["status"] = status,
            ["uuid"] = c.Uuid,
            ["links"] = Links(r, "clusters", c.Uuid),
            ["stack_id"] = c.StackId,
            ["keypair"] = c.Keypair,
            ["master_count"] = c.MasterCount,
            ["cluster_template_id"] = c.TemplateId,
            ["node_count"] = c.NodeCount,
            ["create_timeout"] = c.CreateTimeout,
            ["name"] = c.Name,
            ["labels"] = StringMap(c.Labels),
            ["health_status"] = complete ? "HEALTHY" : null,
            ["master_flavor_id"] = c.MasterFlavorId ?? template?.MasterFlavorId,
            ["flavor_id"] = c.FlavorId ?? template?.FlavorId,
            ["project_id"] = c.ProjectId,
        };
        if (summary)
        {
            return o;
        }

        var swarm = template?.Coe is "swarm" or "swarm-mode";
        o["created_at"] = TimeOffset(c.CreatedAt);
        o["updated_at"] = c.UpdatedAt is { } u ? TimeOffset(u) : null;
        o["api_address"] = !complete ? null
            : swarm ? state.Options.SwarmApiAddress ?? $"tcp://{c.MasterAddresses[0]}:2376"
            : state.KubernetesClusters.AddressOf(c.Uuid) ?? $"https://{c.MasterAddresses[0]}:6443";
        o["discovery_url"] = swarm ? null : $"https://discovery.etcd.io/{c.Uuid.Replace("-", string.Empty, StringComparison.Ordinal)}";
        o["coe_version"] = complete ? swarm ? "1.2.5" : "v1.23.3" : null;
        o["container_version"] = complete ? "1.12.6" : null;
        o["master_addresses"] = complete ? ToArray(c.MasterAddresses.Select(a => (JsonNode)JsonValue.Create(a))) : new JsonArray();
        o["node_addresses"] = complete ? ToArray(c.NodeAddresses.Take(c.NodeCount).Select(a => (JsonNode)JsonValue.Create(a))) : new JsonArray();
        o["status_reason"] = reason;
        o["faults"] = status == "CREATE_FAILED" ? new JsonObject { ["kube_masters"] = reason } : new JsonObject();
        o["docker_volume_size"] = c.DockerVolumeSize ?? template?.DockerVolumeSize;
        o["labels_overridden"] = new JsonObject();
        o["labels_added"] = StringMap(c.Labels);
        o["labels_skipped"] = new JsonObject();
        o["health_status_reason"] = new JsonObject();
        o["user_id"] = c.UserId;
        o["fixed_network"] = null;
        o["fixed_subnet"] = null;
        o["floating_ip_enabled"] = template?.FloatingIpEnabled ?? true;
        o["master_lb_enabled"] = template?.MasterLbEnabled ?? false;
        o["merge_labels"] = false;
        return o;
    }

    private static async Task<IResult> CreateTemplateAsync(HttpContext http, SandboxState state)
    {
        var b = await ReadObjectAsync(http.Request);
        if (b is null || Str(b, "coe") is not { } coe || Str(b, "image_id") is not { } imageRef)
        {
            return Magnum(400, "Invalid input for field/attribute coe. Value: None. Mandatory field missing.");
        }

        if (coe is not ("kubernetes" or "swarm" or "swarm-mode" or "mesos"))
        {
            return Magnum(400, $"Invalid input for field/attribute coe. Value: '{coe}'. Value should be one of: kubernetes, swarm, swarm-mode, mesos");
        }

        lock (state.Gate)
        {
            var caller = state.Tokens[http.Request.Headers["X-Auth-Token"].ToString()];
            var image = state.Images.Find(i => i.Id == imageRef || i.Name == imageRef);
            if (image is null)
            {
                return Magnum(404, $"Image {imageRef} could not be found.");
            }

            if (image.OsDistro is null)
            {
                return Magnum(400, $"Image {image.Id} doesn't contain os_distro field.");
            }

            var ext = Str(b, "external_network_id");
            if (ext is not null && !state.Networks.Any(n => (n.Id == ext || n.Name == ext) && n.External))
            {
                return Magnum(400, $"External network {ext} not found or is not external.");
            }

            foreach (var flavorField in new[] { "flavor_id", "master_flavor_id" })
            {
                if (Str(b, flavorField) is { } fl && !state.Flavors.Any(f => f.Id == fl || f.Name == fl))
                {
                    return Magnum(400, $"Unable to find flavor {fl}.");
                }
            }

            if (Str(b, "keypair_id") is { } kp && !state.Keypairs.Any(k => k.Name == kp))
            {
                return Magnum(404, $"Unable to find keypair {kp}.");
            }

            var name = Str(b, "name") ?? "clustertemplate-" + SandboxState.NewHex()[..6];
            var t = new SandboxClusterTemplate
            {
                Uuid = SandboxState.NewUuid(),
                Name = name,
                Coe = coe,
                ImageId = image.Id,
                KeypairId = Str(b, "keypair_id"),
                ExternalNetworkId = ext,
                FixedNetwork = Str(b, "fixed_network"),
                FlavorId = Str(b, "flavor_id") ?? "m1.medium",
                MasterFlavorId = Str(b, "master_flavor_id"),
                DockerVolumeSize = Int(b, "docker_volume_size"),
                NetworkDriver = Str(b, "network_driver"),
                VolumeDriver = Str(b, "volume_driver"),
                ServerType = Str(b, "server_type") ?? "vm",
                Public = Bool(b, "public") ?? false,
                TlsDisabled = Bool(b, "tls_disabled") ?? false,
                FloatingIpEnabled = Bool(b, "floating_ip_enabled") ?? true,
                MasterLbEnabled = Bool(b, "master_lb_enabled") ?? false,
                DnsNameserver = Str(b, "dns_nameserver"),
                DockerStorageDriver = Str(b, "docker_storage_driver"),
                Labels = ReadStringMap(b["labels"]),
                ProjectId = caller.ProjectId,
                UserId = caller.UserId,
                CreatedAt = state.Now,
            };
            state.ClusterTemplates.Add(t);
            return Json(Template(http.Request, t), 201);
        }
    }

    private static async Task<IResult> CreateClusterAsync(HttpContext http, SandboxState state)
    {
        var b = await ReadObjectAsync(http.Request);
        if (b is null || (Str(b, "cluster_template_id") ?? Str(b, "baymodel_id")) is not { } templateRef)
        {
            return Magnum(400, "Invalid input for field/attribute cluster_template_id. Value: None. Mandatory field missing.");
        }

        var masterCount = Int(b, "master_count") ?? 1;
        var nodeCount = Int(b, "node_count") ?? 1;
        if (masterCount < 1)
        {
            return Magnum(400, $"Invalid input for field/attribute master_count. Value: {masterCount}. Value should be greater or equal to 1");
        }

        if (nodeCount < 0)
        {
            return Magnum(400, $"Invalid input for field/attribute node_count. Value: {nodeCount}. Value should be greater or equal to 0");
        }

        lock (state.Gate)
        {
            var caller = state.Tokens[http.Request.Headers["X-Auth-Token"].ToString()];
            if (FindTemplate(state, templateRef, out var template) is { } error)
            {
                return error;
            }

            var keypair = Str(b, "keypair") ?? template!.KeypairId;
            if (keypair is not null && !state.Keypairs.Any(k => k.Name == keypair))
            {
                return Magnum(404, $"Unable to find keypair {keypair}.");
            }

            var name = Str(b, "name") ?? $"cluster-{SandboxState.NewHex()[..8]}";
            var masters = Enumerable.Range(0, masterCount).Select(_ => state.Public.AllocateAddress()).ToList();
            var nodes = Enumerable.Range(0, Math.Max(nodeCount, 16)).Select(_ => state.Public.AllocateAddress()).ToList();
            var cluster = new SandboxCluster
            {
                Uuid = SandboxState.NewUuid(),
                Name = name,
                TemplateId = template!.Uuid,
                Keypair = keypair,
                MasterCount = masterCount,
                NodeCount = nodeCount,
                DockerVolumeSize = Int(b, "docker_volume_size"),
                FlavorId = Str(b, "flavor_id"),
                MasterFlavorId = Str(b, "master_flavor_id"),
                Labels = ReadStringMap(b["labels"]),
                CreateTimeout = Int(b, "create_timeout") ?? 60,
                StackId = SandboxState.NewUuid(),
                ProjectId = caller.ProjectId,
                UserId = caller.UserId,
                CreatedAt = state.Now,
                WillFail = SandboxState.Matches(state.Options.ClusterFailurePattern, name),
                MasterAddresses = masters,
                NodeAddresses = nodes,
                Ca = state.NewClusterCa(name),
            };
            state.Clusters.Add(cluster);
            return Json(new JsonObject { ["uuid"] = cluster.Uuid }, 202);
        }
    }

    private static string Sign(X509Certificate2 ca, string csrPem, DateTimeOffset now)
    {
        var request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var cert = request.Create(ca, now.AddMinutes(-5), notAfter, serial);
        return cert.ExportCertificatePem() + "\n";
    }

    internal static string VersionHeader(HttpContext c)
    {
        var header = c.Request.Headers["OpenStack-API-Version"].ToString();
        if (header.StartsWith("container-infra ", StringComparison.OrdinalIgnoreCase))
        {
            var v = header["container-infra ".Length..].Trim();
            return string.Equals(v, "latest", StringComparison.OrdinalIgnoreCase) ? MaxVersion : v;
        }

        return "1.1";
    }

    internal static string FormatCount(int n) => n.ToString(CultureInfo.InvariantCulture);
}
