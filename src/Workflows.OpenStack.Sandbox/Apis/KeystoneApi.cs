using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Workflows.OpenStack.Sandbox.State;
using static Workflows.OpenStack.Sandbox.Apis.SandboxHttp;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Keystone v3: version discovery, password and application-credential tokens, the service catalog.</summary>
internal static class KeystoneApi
{
    public static void MapKeystone(this IEndpointRouteBuilder app, SandboxState state)
    {
        app.MapGet("/identity", (HttpRequest r) => Json(new JsonObject { ["versions"] = new JsonObject { ["values"] = new JsonArray(Version(r)) } }, 300));
        app.MapGet("/identity/v3", (HttpRequest r) => Json(new JsonObject { ["version"] = Version(r) }));
        app.MapPost("/identity/v3/auth/tokens", (Func<HttpContext, Task<IResult>>)(c => IssueAsync(c, state)));
        app.MapGet("/identity/v3/auth/tokens", (HttpContext c) =>
        {
            lock (state.Gate)
            {
                var subject = c.Request.Headers["X-Subject-Token"].ToString();
                if (!state.Tokens.TryGetValue(subject, out var token) || token.ExpiresAt <= state.Now)
                {
                    return Keystone(404, "Not Found", "Could not find token: " + subject[..Math.Min(8, subject.Length)] + "…");
                }

                c.Response.Headers["X-Subject-Token"] = subject;
                return Json(new JsonObject { ["token"] = TokenBody(c.Request, state, token) });
            }
        });
        app.MapDelete("/identity/v3/auth/tokens", (HttpContext c) =>
        {
            lock (state.Gate)
            {
                return state.Tokens.Remove(c.Request.Headers["X-Subject-Token"].ToString()) ? NoContent() : Keystone(404, "Not Found", "Could not find token.");
            }
        });
        app.MapDelete("/identity/v3/users/{userId}/application_credentials/{credentialId}", (string userId, string credentialId) =>
        {
            lock (state.Gate)
            {
                // As Keystone: 204, then 404 "Could not find Application Credential: {id}."
                return state.ApplicationCredentials.RemoveAll(a => a.Id == credentialId && a.UserId == userId) > 0
                    ? NoContent()
                    : Keystone(404, "Not Found", $"Could not find Application Credential: {credentialId}.");
            }
        });
        app.MapPost("/identity/v3/users/{userId}/application_credentials", async (HttpContext c, string userId) =>
        {
            var body = await ReadObjectAsync(c.Request);
            if (body?["application_credential"] is not JsonObject ac || Str(ac, "name") is not { } name)
            {
                return Keystone(400, "Bad Request", "Invalid input for field 'application_credential': 'name' is a required property");
            }

            lock (state.Gate)
            {
                var caller = state.Tokens[c.Request.Headers["X-Auth-Token"].ToString()];
                if (caller.UserId != userId)
                {
                    return Keystone(403, "Forbidden", "You are not authorized to perform the requested action: identity:create_application_credential.");
                }

                var secret = Str(ac, "secret") ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var cred = new SandboxApplicationCredential(SandboxState.NewHex(), name, secret, userId, caller.ProjectId, Str(ac, "description"));
                state.ApplicationCredentials.Add(cred);
                return Json(
                    new JsonObject
                    {
                        ["application_credential"] = new JsonObject
                        {
                            ["id"] = cred.Id,
                            ["name"] = cred.Name,
                            ["secret"] = cred.Secret,
                            ["description"] = cred.Description,
                            ["project_id"] = cred.ProjectId,
                            ["user_id"] = cred.UserId,
                            ["unrestricted"] = false,
                            ["expires_at"] = null,
                            ["roles"] = new JsonArray(new JsonObject { ["id"] = RoleId, ["name"] = "admin", ["domain_id"] = null }),
                            ["access_rules"] = new JsonArray(),
                            ["links"] = new JsonObject { ["self"] = $"{BaseUrl(c.Request)}/identity/v3/users/{userId}/application_credentials/{cred.Id}" },
                        },
                    },
                    201);
            }
        });
    }

    private const string RoleId = "1f5b0d6e9b6a4c8f9b1c2d3e4f5a6b7c";

    private static JsonObject Version(HttpRequest r) => new()
    {
        ["id"] = "v3.14",
        ["status"] = "stable",
        ["updated"] = "2020-04-07T00:00:00Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{BaseUrl(r)}/identity/v3/" }),
        ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.identity-v3+json" }),
    };

    private static async Task<IResult> IssueAsync(HttpContext c, SandboxState state)
    {
        var body = await ReadObjectAsync(c.Request);
        if (body?["auth"]?["identity"] is not JsonObject identity || identity["methods"] is not JsonArray methods)
        {
            return Keystone(400, "Bad Request", "Invalid input for field 'identity': 'methods' is a required property");
        }

        lock (state.Gate)
        {
            SandboxUser? user = null;
            string? projectId = null;
            string method;
            string? appCredId = null;
            if (methods.Any(m => m?.GetValue<string>() == "application_credential"))
            {
                method = "application_credential";
                var ac = identity["application_credential"] as JsonObject;
                var known = ac is null ? null : state.ApplicationCredentials.Find(a => Str(ac, "id") is { } id ? a.Id == id : a.Name == Str(ac, "name"));
                if (known is null && ac is not null && Str(ac, "id") is { } unknownId)
                {
                    // Keystone answers an unknown (e.g. deleted) credential id with 404, not 401.
                    return Keystone(404, "Not Found", $"Could not find Application Credential: {unknownId}.");
                }

                var cred = known is not null && known.Secret == Str(ac!, "secret") ? known : null;
                if (cred is null)
                {
                    return Unauthorized();
                }

                user = state.Users.Find(u => u.Id == cred.UserId);
                projectId = cred.ProjectId;
                appCredId = cred.Id;
            }
            else if (methods.Any(m => m?.GetValue<string>() == "password"))
            {
                method = "password";
                var u = identity["password"]?["user"] as JsonObject;
                var domain = u?["domain"] as JsonObject;
                if (u is null || (domain is not null && !IsDefaultDomain(domain)))
                {
                    return Unauthorized();
                }

                user = state.Users.Find(x => (Str(u, "id") is { } id ? x.Id == id : x.Name == Str(u, "name")) && x.Password == Str(u, "password"));
                if (user is null)
                {
                    return Unauthorized();
                }

                var scope = body["auth"]?["scope"]?["project"] as JsonObject;
                if (scope is null)
                {
                    projectId = user.DefaultProjectId;
                }
                else
                {
                    if (scope["domain"] is JsonObject pd && !IsDefaultDomain(pd))
                    {
                        return Unauthorized();
                    }

                    var project = state.Projects.Find(p => Str(scope, "id") is { } id ? p.Id == id : p.Name == Str(scope, "name"));
                    if (project is null)
                    {
                        return Unauthorized();
                    }

                    projectId = project.Id;
                }
            }
            else
            {
                return Unauthorized();
            }

            if (user is null)
            {
                return Unauthorized();
            }

            var now = state.Now;
            var token = new SandboxToken("gAAAAA" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(96)).Replace('+', '-').Replace('/', '_').TrimEnd('='), user.Id, projectId!, now, now + state.Options.TokenLifetime, method, appCredId);
            state.Tokens[token.Id] = token;
            c.Response.Headers["X-Subject-Token"] = token.Id;
            return Json(new JsonObject { ["token"] = TokenBody(c.Request, state, token) }, 201);
        }
    }

    private static bool IsDefaultDomain(JsonObject domain) =>
        Str(domain, "id") is { } id ? id == "default" : string.Equals(Str(domain, "name"), "Default", StringComparison.OrdinalIgnoreCase);

    private static IResult Unauthorized() =>
        Keystone(401, "Unauthorized", "The request you have made requires authentication.");

    private static JsonObject TokenBody(HttpRequest r, SandboxState state, SandboxToken token)
    {
        var user = state.Users.Find(u => u.Id == token.UserId)!;
        var project = state.Projects.Find(p => p.Id == token.ProjectId)!;
        var domain = () => new JsonObject { ["id"] = "default", ["name"] = "Default" };
        var body = new JsonObject
        {
            ["methods"] = new JsonArray(token.Method),
            ["user"] = new JsonObject { ["domain"] = domain(), ["id"] = user.Id, ["name"] = user.Name, ["password_expires_at"] = null },
            ["audit_ids"] = new JsonArray(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=')),
            ["expires_at"] = TimeMicro(token.ExpiresAt) + "Z",
            ["issued_at"] = TimeMicro(token.IssuedAt) + "Z",
            ["project"] = new JsonObject { ["domain"] = domain(), ["id"] = project.Id, ["name"] = project.Name },
            ["is_domain"] = false,
            ["roles"] = new JsonArray(
                new JsonObject { ["id"] = RoleId, ["name"] = "admin" },
                new JsonObject { ["id"] = "2a6e1f0c7b3d4e5f8a9b0c1d2e3f4a5b", ["name"] = "member" },
                new JsonObject { ["id"] = "3b7f2a1d8c4e5f6a9b0c1d2e3f4a5b6c", ["name"] = "reader" }),
            ["catalog"] = Catalog(r, state),
        };
        if (token.ApplicationCredentialId is { } acId)
        {
            var ac = state.ApplicationCredentials.Find(a => a.Id == acId)!;
            body["application_credential"] = new JsonObject { ["id"] = ac.Id, ["name"] = ac.Name, ["restricted"] = true };
        }

        return body;
    }

    private static JsonArray Catalog(HttpRequest r, SandboxState state)
    {
        var b = BaseUrl(r);
        JsonArray catalog =
        [
            Service("identity", "keystone", $"{b}/identity", state.Options.Region),
            Service("image", "glance", $"{b}/image", state.Options.Region),
            Service("compute", "nova", $"{b}/compute/v2.1", state.Options.Region),
            Service("network", "neutron", $"{b}/networking", state.Options.Region),
            Service("container-infra", "magnum", $"{b}/container-infra/v1", state.Options.Region),
        ];
        if (state.Options.BlockStorage)
        {
            // Only listed, so Magnum accepts docker volumes; the sandbox serves no Cinder API.
            catalog.Add(Service("block-storage", "cinderv3", $"{b}/volume/v3", state.Options.Region));
        }

        return catalog;
    }

    private static JsonObject Service(string type, string name, string url, string region) => new()
    {
        ["endpoints"] = new JsonArray(
            new JsonObject { ["id"] = SandboxState.NewHex(), ["interface"] = "public", ["region"] = region, ["region_id"] = region, ["url"] = url },
            new JsonObject { ["id"] = SandboxState.NewHex(), ["interface"] = "internal", ["region"] = region, ["region_id"] = region, ["url"] = url },
            new JsonObject { ["id"] = SandboxState.NewHex(), ["interface"] = "admin", ["region"] = region, ["region_id"] = region, ["url"] = url }),
        ["id"] = SandboxState.NewHex(),
        ["type"] = type,
        ["name"] = name,
    };
}
