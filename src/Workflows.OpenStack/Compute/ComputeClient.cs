using System.Text;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Compute.Requests;
using Workflows.OpenStack.Compute.Responses;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Http;
using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.Compute;

/// <summary>Nova v2.1 with an explicit microversion: flavors and servers.</summary>
public sealed class ComputeClient(HttpClient http, TokenProvider tokens, CloudDefinition cloud, string defaultInterface, string microversion, IStepAudit? audit)
    : OpenStackServiceClient(http, tokens, cloud, "compute", defaultInterface, audit)
{
    /// <summary>Gets the microversion sent with every call.</summary>
    public string Microversion { get; } = microversion;

    /// <summary>Gets a flavor by id.</summary>
    /// <exception cref="OpenStackNotFoundException">No such flavor.</exception>
    public async Task<Flavor> GetFlavorAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<FlavorEnvelope>(HttpMethod.Get, $"flavors/{Segment(id)}", null, cancellationToken)).Flavor;

    /// <summary>Lists flavors with details.</summary>
    public async Task<IReadOnlyList<Flavor>> ListFlavorsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<FlavorsEnvelope>(HttpMethod.Get, "flavors/detail", null, cancellationToken)).Flavors;

    /// <summary>Finds a flavor by id, else by name (as openstacksdk's find_flavor does).</summary>
    /// <exception cref="OpenStackNotFoundException">No flavor has that id or name; carries Nova's own 404 message.</exception>
    public async Task<Flavor> FindFlavorAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        // Nova answers GET flavors/{id} with 404 "Flavor X could not be found." for names too, so the
        // error of a truly unknown flavor is the cloud's own, with its request id.
        OpenStackNotFoundException notFound;
        try
        {
            return await GetFlavorAsync(nameOrId, cancellationToken);
        }
        catch (OpenStackNotFoundException ex)
        {
            notFound = ex;
        }

        var flavors = await ListFlavorsAsync(cancellationToken);
        return flavors.FirstOrDefault(f => f.Name == nameOrId) ?? throw notFound;
    }

    /// <summary>Gets the project's absolute limits: its quota and what it uses (instances, cores, RAM).</summary>
    public async Task<AbsoluteLimits> GetAbsoluteLimitsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<LimitsEnvelope>(HttpMethod.Get, "limits", null, cancellationToken)).Limits.Absolute;

    /// <summary>Creates a server; Nova answers 202 and builds it asynchronously.</summary>
    /// <exception cref="OpenStackException">Bad request (image, flavor, network), quota (403), ….</exception>
    public async Task<CreatedServer> CreateServerAsync(CreateServerRequest request, CancellationToken cancellationToken = default)
    {
        var server = new JsonObject
        {
            ["name"] = request.Name,
            ["imageRef"] = request.ImageId,
            ["flavorRef"] = request.FlavorId,
            ["networks"] = request.NetworkIds.Count == 0 ? "auto" : new JsonArray([.. request.NetworkIds.Select(id => (JsonNode)new JsonObject { ["uuid"] = id })]),
        };
        if (request.KeyName is not null)
        {
            server["key_name"] = request.KeyName;
        }

        if (request.UserData is not null)
        {
            server["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(request.UserData));
        }

        if (request.Metadata.Count > 0)
        {
            server["metadata"] = new JsonObject([.. request.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);
        }

        if (request.Tags.Count > 0)
        {
            server["tags"] = new JsonArray([.. request.Tags.Select(t => (JsonNode)t)]);
        }

        if (request.SecurityGroups is { Count: > 0 } groups)
        {
            server["security_groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["name"] = g })]);
        }

        if (request.AvailabilityZone is not null)
        {
            server["availability_zone"] = request.AvailabilityZone;
        }

        return (await SendAsync<CreatedEnvelope>(HttpMethod.Post, "servers", new JsonObject { ["server"] = server }, cancellationToken)).Server;
    }

    /// <summary>Gets a server.</summary>
    /// <exception cref="OpenStackNotFoundException">No such server.</exception>
    public async Task<Server> GetServerAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<ServerEnvelope>(HttpMethod.Get, $"servers/{Segment(id)}", null, cancellationToken)).Server;

    /// <summary>Gets a server, or null when it does not exist.</summary>
    public async Task<Server?> TryGetServerAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetServerAsync(id, cancellationToken);
        }
        catch (OpenStackNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Lists servers with details, filtered by Nova on name (regex) and tags (all of them), then here on
    /// metadata (Nova has no metadata filter).
    /// </summary>
    public async Task<IReadOnlyList<Server>> ListServersAsync(string? name = null, IEnumerable<string>? tags = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var tagList = tags?.ToList();
        var query = Query(("name", name), ("tags", tagList is { Count: > 0 } ? string.Join(',', tagList) : null));
        var servers = (await SendAsync<ServersEnvelope>(HttpMethod.Get, "servers/detail" + query, null, cancellationToken)).Servers;
        return metadata is null
            ? servers
            : [.. servers.Where(s => metadata.All(m => s.Metadata.TryGetValue(m.Key, out var v) && v == m.Value))];
    }

    /// <summary>Deletes a server; returns false when it did not exist.</summary>
    public async Task<bool> DeleteServerAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"servers/{Segment(id)}", null, cancellationToken);
            return true;
        }
        catch (OpenStackNotFoundException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    protected override void AddHeaders(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "compute " + Microversion);
        request.Headers.TryAddWithoutValidation("X-OpenStack-Nova-API-Version", Microversion);
    }

    private sealed record FlavorEnvelope(Flavor Flavor);

    private sealed record LimitsEnvelope(Limits Limits);

    private sealed record Limits(AbsoluteLimits Absolute);

    private sealed record FlavorsEnvelope(List<Flavor> Flavors);

    private sealed record CreatedEnvelope(CreatedServer Server);

    private sealed record ServerEnvelope(Server Server);

    private sealed record ServersEnvelope(List<Server> Servers);
}
