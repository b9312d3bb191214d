using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Workflows.OpenStack.Configuration;

namespace Workflows.OpenStack.Acceptance.Tests.Testing;

/// <summary>A status, the parsed JSON body (null when empty or not JSON) and the headers of one raw call.</summary>
public sealed record RawResponse(int Status, JsonNode? Body, HttpResponseHeaders Headers, string Text)
{
    public string? Header(string name) => Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;

    public RawResponse Expect(params int[] statuses) =>
        statuses.Contains(Status) ? this : throw new Xunit.Sdk.XunitException($"Expected {string.Join('/', statuses)} but got {Status}: {Text}");
}

/// <summary>
/// A deliberately independent OpenStack client (raw HTTP + JsonNode, its own Keystone login and catalog
/// lookup) used to set scenarios up, to verify outcomes through the cloud's own API, and to compare the
/// peer with the sandbox call by call. It shares no code with Workflows.OpenStack beyond CloudDefinition.
/// </summary>
public sealed class RawOpenStack : IDisposable
{
    public const string ComputeMicroversion = "2.79";
    public const string MagnumMicroversion = "1.10";

    private readonly HttpClient http;
    private readonly JsonNode catalog;

    private RawOpenStack(HttpClient http, CloudDefinition cloud, string token, JsonNode tokenBody)
    {
        this.http = http;
        Cloud = cloud;
        Token = token;
        TokenBody = tokenBody;
        catalog = tokenBody["token"]?["catalog"] ?? new JsonArray();
    }

    public CloudDefinition Cloud { get; }

    public string Token { get; }

    public JsonNode TokenBody { get; }

    public string UserId => (string)TokenBody["token"]!["user"]!["id"]!;

    public string? ProjectId => (string?)TokenBody["token"]?["project"]?["id"];

    public string AuthBase => AuthBaseOf(Cloud.AuthUrl);

    public static string AuthBaseOf(string authUrl) => authUrl.TrimEnd('/').EndsWith("/v3", StringComparison.Ordinal) ? authUrl.TrimEnd('/') : authUrl.TrimEnd('/') + "/v3";

    /// <summary>Logs in (password or application credential) and keeps the token and catalog.</summary>
    public static async Task<RawOpenStack> ConnectAsync(CloudDefinition cloud)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var response = await PostTokenAsync(http, cloud.AuthUrl, AuthBody(cloud));
        if (response.Status != 201)
        {
            http.Dispose();
            throw new InvalidOperationException($"Keystone refused {cloud.Name}: {response.Status} {response.Text}");
        }

        return new RawOpenStack(http, cloud, response.Header("X-Subject-Token")!, response.Body!);
    }

    /// <summary>POSTs an auth body to Keystone without keeping anything.</summary>
    public static async Task<RawResponse> PostTokenAsync(HttpClient http, string authUrl, JsonNode body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AuthBaseOf(authUrl) + "/auth/tokens") { Content = Json(body) };
        return await ReadAsync(await http.SendAsync(request));
    }

    public static JsonObject AuthBody(CloudDefinition c, string? passwordOverride = null)
    {
        if (c.AuthType is CloudDefinition.ApplicationCredentialAuth)
        {
            return new JsonObject
            {
                ["auth"] = new JsonObject
                {
                    ["identity"] = new JsonObject
                    {
                        ["methods"] = new JsonArray("application_credential"),
                        ["application_credential"] = new JsonObject { ["id"] = c.ApplicationCredentialId, ["secret"] = c.ApplicationCredentialSecret!.Reveal() },
                    },
                },
            };
        }

        var user = new JsonObject { ["name"] = c.Username, ["domain"] = new JsonObject { ["name"] = c.UserDomainName ?? "Default" }, ["password"] = passwordOverride ?? c.Password!.Reveal() };
        var auth = new JsonObject { ["identity"] = new JsonObject { ["methods"] = new JsonArray("password"), ["password"] = new JsonObject { ["user"] = user } } };
        if (c.ProjectId is not null)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = c.ProjectId } };
        }
        else if (c.ProjectName is not null)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = c.ProjectName, ["domain"] = new JsonObject { ["name"] = c.ProjectDomainName ?? "Default" } } };
        }

        return new JsonObject { ["auth"] = auth };
    }

    /// <summary>Returns the public endpoint of a service type from the token's catalog.</summary>
    public string Endpoint(string serviceType)
    {
        foreach (var service in catalog.AsArray())
        {
            if ((string?)service!["type"] != serviceType)
            {
                continue;
            }

            foreach (var e in service["endpoints"]!.AsArray())
            {
                if ((string?)e!["interface"] == "public" && (Cloud.RegionName is null || (string?)e["region_id"] == Cloud.RegionName))
                {
                    return ((string)e["url"]!).TrimEnd('/');
                }
            }
        }

        throw new InvalidOperationException($"{Cloud.Name} has no public {serviceType} endpoint.");
    }

    /// <summary>Calls <paramref name="path"/> on the service's endpoint (identity: the auth base) with this token and the client's microversions.</summary>
    public async Task<RawResponse> SendAsync(HttpMethod method, string serviceType, string path, JsonNode? body = null, string? token = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var baseUrl = serviceType == "identity" ? AuthBase : Endpoint(serviceType);
        using var request = new HttpRequestMessage(method, baseUrl + "/" + path.TrimStart('/'));
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token ?? Token);
        request.Headers.Accept.ParseAdd("application/json");
        if (serviceType == "compute")
        {
            request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "compute " + ComputeMicroversion);
        }
        else if (serviceType == "container-infra")
        {
            request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "container-infra " + MagnumMicroversion);
        }

        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        if (body is not null)
        {
            request.Content = Json(body);
        }

        return await ReadAsync(await http.SendAsync(request));
    }

    public Task<RawResponse> GetAsync(string serviceType, string path) => SendAsync(HttpMethod.Get, serviceType, path);

    public Task<RawResponse> DeleteAsync(string serviceType, string path) => SendAsync(HttpMethod.Delete, serviceType, path);

    public Task<RawResponse> PostAsync(string serviceType, string path, JsonNode body) => SendAsync(HttpMethod.Post, serviceType, path, body);

    public Task<RawResponse> PutAsync(string serviceType, string path, JsonNode body) => SendAsync(HttpMethod.Put, serviceType, path, body);

    /// <summary>Polls GET <paramref name="path"/> until <paramref name="done"/> holds (or the limit passes, then returns the last answer).</summary>
    public async Task<RawResponse> WaitAsync(string serviceType, string path, Func<RawResponse, bool> done, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var r = await GetAsync(serviceType, path);
            if (done(r) || DateTime.UtcNow > deadline)
            {
                return r;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Deletes a server and waits until Nova answers 404 for it.</summary>
    public async Task DeleteServerAsync(string id)
    {
        await DeleteAsync("compute", $"servers/{id}");
        await WaitAsync("compute", $"servers/{id}", r => r.Status == 404, TimeSpan.FromSeconds(90));
    }

    public void Dispose() => http.Dispose();

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<RawResponse> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                // HTML error pages (e.g. Glance, Magnum 404s from webob) stay text only.
            }

            return new RawResponse((int)response.StatusCode, json, response.Headers, text);
        }
    }
}
