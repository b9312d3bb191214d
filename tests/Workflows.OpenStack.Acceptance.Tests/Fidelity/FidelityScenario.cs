using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Workflows.OpenStack.Acceptance.Tests.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Fidelity;

/// <summary>One call of the scenario: its name, the fields of the answer the client reads, and the answer.</summary>
public sealed record FidelityCall(string Name, IReadOnlyList<string> Fields, RawResponse Response);

/// <summary>
/// The calls Workflows.OpenStack makes, in the order its actions make them, run the same way against a
/// cloud (the peer or the sandbox) through the raw client; every answer is kept for the comparison.
/// Every object it creates is deleted again.
/// </summary>
public sealed class FidelityScenario(RawOpenStack cloud, string image, string flavor, string network, string externalNetwork, string magnumImage, string magnumFlavor)
{
    public List<FidelityCall> Calls { get; } = [];

    public async Task RunAsync()
    {
        await IdentityAsync();
        var flavorId = await ComputeLookupsAsync();
        await ServerAndFloatingIpAsync(flavorId);
        await MagnumAsync();
    }

    private async Task<RawResponse> Record(string name, string[] fields, Task<RawResponse> call)
    {
        var response = await call;
        Calls.Add(new FidelityCall(name, fields, response));
        return response;
    }

    private async Task IdentityAsync()
    {
        using var http = new HttpClient();
        var issued = await Record(
            "POST /v3/auth/tokens (password)",
            ["token.expires_at", "token.user.id", "token.project.id", "token.catalog[].type", "token.catalog[].endpoints[].interface", "token.catalog[].endpoints[].region_id", "token.catalog[].endpoints[].url"],
            RawOpenStack.PostTokenAsync(http, cloud.Cloud.AuthUrl, RawOpenStack.AuthBody(cloud.Cloud)));
        Calls.Add(new FidelityCall("X-Subject-Token header of the password token", [], issued with { Body = new JsonObject { ["has_subject_token"] = issued.Header("X-Subject-Token") is { Length: > 0 } } }));
        Calls[^1] = Calls[^1] with { Fields = ["=has_subject_token"] };

        await Record("POST /v3/auth/tokens (wrong password)", ["=error.code", "=error.message"], RawOpenStack.PostTokenAsync(http, cloud.Cloud.AuthUrl, RawOpenStack.AuthBody(cloud.Cloud, "wrong-" + Guid.NewGuid().ToString("N"))));

        var credential = await Record(
            "POST /v3/users/{id}/application_credentials",
            ["application_credential.id", "application_credential.secret", "application_credential.project_id"],
            cloud.PostAsync("identity", $"users/{cloud.UserId}/application_credentials", new JsonObject { ["application_credential"] = new JsonObject { ["name"] = AcceptanceFixture.NewName("fid") } }));
        var id = (string)credential.Body!["application_credential"]!["id"]!;
        var secret = (string)credential.Body!["application_credential"]!["secret"]!;
        JsonObject AppCredBody(string credId) => new() { ["auth"] = new JsonObject { ["identity"] = new JsonObject { ["methods"] = new JsonArray("application_credential"), ["application_credential"] = new JsonObject { ["id"] = credId, ["secret"] = secret } } } };
        await Record("POST /v3/auth/tokens (application credential)", ["token.expires_at", "token.user.id", "token.project.id", "token.catalog[].type"], RawOpenStack.PostTokenAsync(http, cloud.Cloud.AuthUrl, AppCredBody(id)));
        await Record("DELETE /v3/users/{id}/application_credentials/{id}", [], cloud.DeleteAsync("identity", $"users/{cloud.UserId}/application_credentials/{id}"));
        await Record("POST /v3/auth/tokens (deleted application credential)", ["=error.code", "error.message"], RawOpenStack.PostTokenAsync(http, cloud.Cloud.AuthUrl, AppCredBody(id)));

        // A fresh token, revoked before any service saw it, is refused by Nova.
        var other = await RawOpenStack.PostTokenAsync(http, cloud.Cloud.AuthUrl, RawOpenStack.AuthBody(cloud.Cloud));
        var token = other.Header("X-Subject-Token")!;
        await Record("DELETE /v3/auth/tokens (revoke)", [], cloud.SendAsync(HttpMethod.Delete, "identity", "auth/tokens", headers: new Dictionary<string, string> { ["X-Subject-Token"] = token }));
        await Record("GET compute /servers with the revoked token", [], cloud.SendAsync(HttpMethod.Get, "compute", "servers", token: token));
    }

    private async Task<string> ComputeLookupsAsync()
    {
        var flavors = await Record("GET compute /flavors/detail", ["flavors[].id", "flavors[].name", "flavors[].ram", "flavors[].disk", "flavors[].vcpus"], cloud.GetAsync("compute", "flavors/detail"));
        await Record("GET compute /flavors/{unknown name}", ["=itemNotFound.message", "=itemNotFound.code"], cloud.GetAsync("compute", "flavors/wf-acc-no-such-flavor"));
        await Record("GET image /v2/images?name=", ["images[].id", "=images[].name"], cloud.GetAsync("image", $"v2/images?name={image}"));
        await Record("GET network /v2.0/networks/{unknown name}", ["=NeutronError.type", "=NeutronError.message"], cloud.GetAsync("network", "v2.0/networks/wf-acc-no-such-network"));
        await Record("GET network /v2.0/networks?name= (external)", ["networks[].id", "=networks[].name", "=networks[].router:external", "networks[].subnets"], cloud.GetAsync("network", $"v2.0/networks?name={externalNetwork}"));
        return (string)flavors.Body!["flavors"]!.AsArray().First(f => (string?)f!["name"] == flavor)!["id"]!;
    }

    private async Task ServerAndFloatingIpAsync(string flavorId)
    {
        var imageId = (string)(await cloud.GetAsync("image", $"v2/images?name={image}")).Body!["images"]![0]!["id"]!;
        var networkId = (string)(await cloud.GetAsync("network", $"v2.0/networks?name={network}")).Body!["networks"]![0]!["id"]!;
        var externalId = (string)(await cloud.GetAsync("network", $"v2.0/networks?name={externalNetwork}")).Body!["networks"]![0]!["id"]!;
        var tag = "wf-fid-" + Guid.NewGuid().ToString("N")[..16];
        JsonObject ServerBody(string flavorRef) => new()
        {
            ["server"] = new JsonObject
            {
                ["name"] = AcceptanceFixture.NewName("fid"), ["imageRef"] = imageId, ["flavorRef"] = flavorRef, ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }),
                ["metadata"] = new JsonObject { ["workflows_idempotency_key"] = tag }, ["tags"] = new JsonArray(tag),
            },
        };
        await Record("POST compute /servers (unknown flavorRef)", ["=badRequest.code", "badRequest.message"], cloud.PostAsync("compute", "servers", ServerBody("wf-acc-no-such-flavor")));
        var created = await Record("POST compute /servers", ["server.id", "?server.adminPass"], cloud.PostAsync("compute", "servers", ServerBody(flavorId)));
        var id = (string)created.Body!["server"]!["id"]!;
        try
        {
            await cloud.WaitAsync("compute", $"servers/{id}", r => (string?)r.Body?["server"]?["status"] is "ACTIVE" or "ERROR", TimeSpan.FromSeconds(90));
            string[] serverFields = ["id", "name", "=status", "metadata.workflows_idempotency_key", "tags[]", "addresses.*[].addr", "=addresses.*[].version", "=addresses.*[].OS-EXT-IPS:type", "?OS-EXT-STS:task_state", "=OS-EXT-STS:vm_state", "tenant_id", "created", "?fault", "?progress", "image.id"];
            await Record("GET compute /servers/{id} (ACTIVE)", [.. serverFields.Select(f => (f[0] is '=' or '?' ? f[..1] + "server." + f[1..] : "server." + f))], cloud.GetAsync("compute", $"servers/{id}"));
            await Record("GET compute /servers/detail?tags=", ["servers[].id", "servers[].metadata.workflows_idempotency_key", "=servers[].status"], cloud.GetAsync("compute", $"servers/detail?tags={tag}"));
            var ports = await Record("GET network /v2.0/ports?device_id=", ["ports[].id", "ports[].network_id", "ports[].device_id", "ports[].device_owner", "ports[].mac_address", "ports[].fixed_ips[].ip_address", "ports[].fixed_ips[].subnet_id"], cloud.GetAsync("network", $"v2.0/ports?device_id={id}"));
            var portId = (string)ports.Body!["ports"]![0]!["id"]!;
            string[] fipFields = ["id", "floating_ip_address", "=floating_network_id", "port_id", "fixed_ip_address", "?router_id", "status", "description"];
            var description = "workflows " + tag;
            var fip = await Record("POST network /v2.0/floatingips (with port_id)", [.. fipFields.Select(f => Field("floatingip", f))], cloud.PostAsync("network", "v2.0/floatingips", new JsonObject { ["floatingip"] = new JsonObject { ["floating_network_id"] = externalId, ["port_id"] = portId, ["description"] = description } }));
            var fipId = (string)fip.Body!["floatingip"]!["id"]!;
            Normalize(fip.Body, "floatingip", externalId);
            await Record("GET network /v2.0/floatingips?port_id=", [.. fipFields.Select(f => Field("floatingips[]", f))], cloud.GetAsync("network", $"v2.0/floatingips?port_id={portId}")).ContinueWith(t => Normalize(t.Result.Body, "floatingips", externalId), TaskScheduler.Default);
            await Record("GET network /v2.0/floatingips?description=", [.. fipFields.Select(f => Field("floatingips[]", f))], cloud.GetAsync("network", $"v2.0/floatingips?description={Uri.EscapeDataString(description)}")).ContinueWith(t => Normalize(t.Result.Body, "floatingips", externalId), TaskScheduler.Default);
            await Record("GET compute /servers/{id} (floating address listed)", ["=server.addresses.*[].OS-EXT-IPS:type"], cloud.GetAsync("compute", $"servers/{id}")).ContinueWith(t => KeepFloating(t.Result.Body), TaskScheduler.Default);
            await Record("PUT network /v2.0/floatingips/{id} (port_id null)", ["floatingip.id", "floatingip.port_id", "floatingip.fixed_ip_address"], cloud.PutAsync("network", $"v2.0/floatingips/{fipId}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } }));
            await Record("DELETE network /v2.0/floatingips/{id}", [], cloud.DeleteAsync("network", $"v2.0/floatingips/{fipId}"));
            await Record("DELETE network /v2.0/floatingips/{id} (again)", ["=NeutronError.type"], cloud.DeleteAsync("network", $"v2.0/floatingips/{fipId}"));
            await Record("DELETE compute /servers/{id}", [], cloud.DeleteAsync("compute", $"servers/{id}"));
            await Record("GET compute /servers/{id} (deleted)", ["=itemNotFound.code", "itemNotFound.message"], cloud.WaitAsync("compute", $"servers/{id}", r => r.Status == 404, TimeSpan.FromSeconds(90)));
        }
        finally
        {
            await cloud.DeleteServerAsync(id);
        }
    }

    private async Task MagnumAsync()
    {
        var name = AcceptanceFixture.NewName("fid");
        await Record("GET container-infra /clustertemplates/{unknown}", ["=errors[].status", "errors[].detail"], cloud.GetAsync("container-infra", $"clustertemplates/{name}"));
        string[] templateFields = ["uuid", "name", "=coe", "image_id", "external_network_id", "flavor_id", "master_flavor_id", "?docker_volume_size", "=tls_disabled"];
        var template = await Record("POST container-infra /clustertemplates", templateFields, cloud.PostAsync("container-infra", "clustertemplates", new JsonObject
        {
            ["name"] = name, ["coe"] = "kubernetes", ["image_id"] = magnumImage, ["external_network_id"] = externalNetwork, ["flavor_id"] = magnumFlavor, ["master_flavor_id"] = magnumFlavor,
        }));
        Normalize(template.Body, null, null);
        await Record("GET container-infra /clustertemplates/{name}", templateFields, cloud.GetAsync("container-infra", $"clustertemplates/{name}")).ContinueWith(t => Normalize(t.Result.Body, null, null), TaskScheduler.Default);
        try
        {
            var created = await Record("POST container-infra /clusters", ["uuid"], cloud.PostAsync("container-infra", "clusters", new JsonObject
            {
                ["name"] = name, ["cluster_template_id"] = (string)template.Body!["uuid"]!, ["master_count"] = 1, ["node_count"] = 1, ["create_timeout"] = 15,
                ["labels"] = new JsonObject { ["workflows_idempotency_key"] = name }, ["merge_labels"] = true,
            }));
            var uuid = (string)created.Body!["uuid"]!;
            try
            {
                await Record("GET container-infra /clusters/{uuid} (creating)", ["uuid", "name", "=status", "?status_reason", "cluster_template_id", "?api_address", "=master_count", "=node_count", "labels.workflows_idempotency_key", "?stack_id", "?master_addresses", "?node_addresses", "?keypair", "?docker_volume_size"], cloud.GetAsync("container-infra", $"clusters/{uuid}"));
                await Record("GET container-infra /clusters", ["clusters[].uuid", "clusters[].name", "clusters[].status"], cloud.GetAsync("container-infra", "clusters"));
                var ca = await Record("GET container-infra /certificates/{uuid}", ["pem", "=cluster_uuid"], cloud.WaitAsync("container-infra", $"certificates/{uuid}", r => r.Status == 200, TimeSpan.FromSeconds(30)));
                Normalize(ca.Body, null, null, uuid);
                using var key = RSA.Create(2048);
                var csr = new CertificateRequest("CN=admin", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
                var signed = await Record("POST container-infra /certificates (CSR)", ["pem", "=cluster_uuid"], cloud.PostAsync("container-infra", "certificates", new JsonObject { ["cluster_uuid"] = uuid, ["csr"] = csr }));
                Normalize(signed.Body, null, null, uuid);
            }
            finally
            {
                await Record("DELETE container-infra /clusters/{uuid}", [], cloud.DeleteAsync("container-infra", $"clusters/{uuid}"));
                await Record("GET container-infra /clusters/{uuid} (deleted)", ["=errors[].status", "errors[].detail"], cloud.WaitAsync("container-infra", $"clusters/{uuid}", r => r.Status == 404, TimeSpan.FromMinutes(3)));
            }
        }
        finally
        {
            await Record("DELETE container-infra /clustertemplates/{name}", [], cloud.DeleteAsync("container-infra", $"clustertemplates/{name}"));
        }
    }

    private static string Field(string prefix, string spec) => spec[0] is '=' or '?' ? $"{spec[0]}{prefix}.{spec[1..]}" : $"{prefix}.{spec}";

    // Ids differ between clouds by nature; where a value must point at a known object it is replaced by a marker.
    private static void Normalize(JsonNode? body, string? fipKey, string? externalId, string? clusterUuid = null)
    {
        if (body is null)
        {
            return;
        }

        foreach (var fip in fipKey is null ? [] : body[fipKey] is JsonArray a ? a.ToList() : [body[fipKey]])
        {
            if (fip?["floating_network_id"] is { } n && (string?)n == externalId)
            {
                fip["floating_network_id"] = "(the external network's id)";
            }
        }

        if (body is JsonObject o && clusterUuid is not null && (string?)o["cluster_uuid"] == clusterUuid)
        {
            o["cluster_uuid"] = "(the cluster's uuid)";
        }
    }

    // The compute view of the address after association: keep only the floating entry.
    private static void KeepFloating(JsonNode? body)
    {
        if (body?["server"]?["addresses"] is JsonObject addresses)
        {
            foreach (var (_, list) in addresses)
            {
                if (list is JsonArray entries && entries.FirstOrDefault(e => (string?)e?["OS-EXT-IPS:type"] == "floating") is { } floating)
                {
                    entries.Clear();
                    entries.Add(floating.DeepClone());
                }
            }
        }
    }
}
