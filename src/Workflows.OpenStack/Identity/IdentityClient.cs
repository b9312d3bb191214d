using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Http;

namespace Workflows.OpenStack.Identity;

/// <summary>Keystone v3: issues tokens with password or application-credential auth.</summary>
public sealed class IdentityClient(HttpClient http)
{
    /// <summary>The name of the HttpClient used for Keystone (resilience and audit, no token handler).</summary>
    public const string HttpClientName = "Workflows.OpenStack.Identity";

    /// <summary>Authenticates <paramref name="cloud"/> and returns a project-scoped token with its catalog.</summary>
    /// <exception cref="OpenStackAuthenticationException">Keystone rejected the credentials.</exception>
    /// <exception cref="OpenStackException">Another failure.</exception>
    public async Task<Token> AuthenticateAsync(CloudDefinition cloud, CancellationToken cancellationToken = default)
    {
        var url = new Uri(AuthBase(cloud.AuthUrl) + "/auth/tokens");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = OpenStackRequest.Json(Body(cloud)) };
        request.Options.Set(OpenStackRequest.Cloud, cloud.Name);
        request.Options.Set(OpenStackRequest.Service, "identity");
        using var response = await http.SendAsync(request, cancellationToken);
        var requestId = OpenStackRequest.RequestId(response);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ApiErrorParser.ToException("identity", "POST", url.AbsolutePath, response.StatusCode, text, requestId);
        }

        if (!response.Headers.TryGetValues("X-Subject-Token", out var values) || values.FirstOrDefault() is not { Length: > 0 } tokenValue)
        {
            throw new OpenStackException("identity", "POST", url.AbsolutePath, response.StatusCode, "the response has no X-Subject-Token header", null, requestId);
        }

        return Parse(tokenValue, text);
    }

    /// <summary>Returns the Keystone v3 base URL: <paramref name="authUrl"/> with <c>/v3</c> appended unless it is already there.</summary>
    public static string AuthBase(string authUrl)
    {
        var trimmed = authUrl.TrimEnd('/');
        return trimmed.EndsWith("/v3", StringComparison.Ordinal) ? trimmed : trimmed + "/v3";
    }

    /// <summary>Parses a token response body (<c>{"token": {...}}</c>).</summary>
    public static Token Parse(string tokenValue, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var token = doc.RootElement.GetProperty("token");
        var expires = DateTimeOffset.Parse(token.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var endpoints = new List<CatalogEndpoint>();
        if (token.TryGetProperty("catalog", out var catalog))
        {
            foreach (var service in catalog.EnumerateArray())
            {
                var type = service.GetProperty("type").GetString()!;
                foreach (var e in service.GetProperty("endpoints").EnumerateArray())
                {
                    var region = e.TryGetProperty("region_id", out var rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString()
                        : e.TryGetProperty("region", out var rn) && rn.ValueKind == JsonValueKind.String ? rn.GetString() : null;
                    endpoints.Add(new CatalogEndpoint(type, e.GetProperty("interface").GetString()!, region, new Uri(e.GetProperty("url").GetString()!)));
                }
            }
        }

        var projectId = token.TryGetProperty("project", out var p) ? p.GetProperty("id").GetString() : null;
        return new Token(new Abstractions.Secrets.Secret(tokenValue), expires, token.GetProperty("user").GetProperty("id").GetString()!, projectId, new ServiceCatalog(endpoints));
    }

    private static JsonObject Body(CloudDefinition c)
    {
        JsonObject Domain(string? id, string? name) => id is not null ? new JsonObject { ["id"] = id } : new JsonObject { ["name"] = name ?? "Default" };
        if (c.AuthType is CloudDefinition.ApplicationCredentialAuth or "application_credential" or "v3applicationcredential")
        {
            var ac = new JsonObject { ["secret"] = c.ApplicationCredentialSecret?.Reveal() ?? throw new OpenStackConfigurationException($"Cloud '{c.Name}' uses application credentials but has no application_credential_secret.") };
            if (c.ApplicationCredentialId is { } id)
            {
                ac["id"] = id;
            }
            else
            {
                ac["name"] = c.ApplicationCredentialName ?? throw new OpenStackConfigurationException($"Cloud '{c.Name}' needs application_credential_id or application_credential_name.");
                ac["user"] = c.UserId is not null ? new JsonObject { ["id"] = c.UserId } : new JsonObject { ["name"] = c.Username, ["domain"] = Domain(c.UserDomainId, c.UserDomainName) };
            }

            return new JsonObject { ["auth"] = new JsonObject { ["identity"] = new JsonObject { ["methods"] = new JsonArray("application_credential"), ["application_credential"] = ac } } };
        }

        if (c.AuthType is not (CloudDefinition.PasswordAuth or "v3password"))
        {
            throw new OpenStackConfigurationException($"Cloud '{c.Name}' uses auth_type '{c.AuthType}'; supported are password and v3applicationcredential.");
        }

        var user = new JsonObject { ["password"] = c.Password?.Reveal() ?? throw new OpenStackConfigurationException($"Cloud '{c.Name}' has no password.") };
        if (c.UserId is { } userId)
        {
            user["id"] = userId;
        }
        else
        {
            user["name"] = c.Username ?? throw new OpenStackConfigurationException($"Cloud '{c.Name}' has no username.");
            user["domain"] = Domain(c.UserDomainId, c.UserDomainName);
        }

        var auth = new JsonObject { ["identity"] = new JsonObject { ["methods"] = new JsonArray("password"), ["password"] = new JsonObject { ["user"] = user } } };
        if (c.ProjectId is { } projectId)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = projectId } };
        }
        else if (c.ProjectName is { } projectName)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = projectName, ["domain"] = Domain(c.ProjectDomainId, c.ProjectDomainName) } };
        }

        return new JsonObject { ["auth"] = auth };
    }
}
