using System.Security.Claims;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Workflows.Abstractions.Definitions;
using Workflows.Server.Auth;

namespace Workflows.Server.Tests.Auth;

/// <summary>The mapping of a provider's claims onto a name, a role and groups, and the naming of failures (in memory).</summary>
public sealed class OidcSignInTests
{
    private static readonly OidcOptions Options = new()
    {
        Authority = "https://idp.example.test",
        ClientId = "workflows",
        RoleMappings =
        [
            new() { Value = "developers", Role = "operator" },
            new() { Value = "platform-admins", Role = "admin" },
            new() { Value = "everyone", Role = "viewer" },
            new() { Claim = "email", Value = "auditor@example.test", Role = "viewer" },
        ],
    };

    [Fact]
    public void Map_GrantsTheHighestRole_WhenSeveralGroupsMatch()
    {
        var m = OidcSignIn.Map(User(("preferred_username", "alice"), ("groups", "everyone"), ("groups", "platform-admins"), ("groups", "developers")), Options);

        Assert.Equal(("alice", "admin"), (m.Name, m.Role));
        Assert.Equal(["everyone", "platform-admins", "developers"], m.Groups);
    }

    [Fact]
    public void Map_GrantsARole_FromAnyClaimNamedInTheMapping()
    {
        Assert.Equal("viewer", OidcSignIn.Map(User(("preferred_username", "dana"), ("email", "auditor@example.test")), Options).Role);
    }

    [Fact]
    public void Map_GrantsNoRole_WhenNoGroupMatches_EvenOneThatDiffersOnlyInCase()
    {
        Assert.Null(OidcSignIn.Map(User(("preferred_username", "carol"), ("groups", "Platform-Admins")), Options).Role);
    }

    [Fact]
    public void Map_GrantsTheDefaultRole_WhenNoGroupMatches_AndOneIsConfigured()
    {
        var options = new OidcOptions { Authority = "https://idp.example.test", ClientId = "w", DefaultRole = "viewer", RoleMappings = Options.RoleMappings };

        Assert.Equal("viewer", OidcSignIn.Map(User(("sub", "c-1")), options).Role);
        Assert.Equal("operator", OidcSignIn.Map(User(("sub", "b-1"), ("groups", "developers")), options).Role);
    }

    [Fact]
    public void Map_NamesTheUserByEmailThenSubject_WhenTheNameClaimIsMissing()
    {
        Assert.Equal("erin@example.test", OidcSignIn.Map(User(("sub", "e-1"), ("email", "erin@example.test")), Options).Name);
        Assert.Equal("e-1", OidcSignIn.Map(User(("sub", "e-1")), Options).Name);
    }

    [Fact]
    public void Principal_CarriesTheRoleAndThoseBelow_AndTheGroupsForWorkflowPermissions()
    {
        var p = OidcSignIn.Principal(new OidcSignIn.Mapping("bob", "operator", ["developers"]), User(("sub", "b-1")));

        Assert.True(p.IsInRole("operator") && p.IsInRole("viewer") && !p.IsInRole("admin"));
        Assert.Equal("bob", p.Identity!.Name);
        Assert.Null(new WorkflowPermissions { Run = ["developers"] }.WhyNotAllowedToRun(p, "w"));
        Assert.Equal("Only members of 'platform-admins' (or an admin) may run 'w'.", new WorkflowPermissions { Run = ["platform-admins"] }.WhyNotAllowedToRun(p, "w"));
    }

    [Fact]
    public void Problems_NameEachBadSetting()
    {
        var problems = new OidcOptions
        {
            Authority = "http://idp.example.test",
            Scopes = ["profile"],
            DefaultRole = "root",
            RoleMappings = [new() { Value = "", Role = "boss" }],
        }.Problems().ToList();

        Assert.Equal(
            [
                "Auth:Oidc:Authority: an http:// authority needs Auth:Oidc:RequireHttpsMetadata=false (only for a provider on loopback).",
                "Auth:Oidc:ClientId: is required when Auth:Oidc:Authority is set.",
                "Auth:Oidc:Scopes: must include openid.",
                "Auth:Oidc:DefaultRole: 'root' is not a role: use viewer, operator or admin.",
                "Auth:Oidc:RoleMappings:0:Value: is required (the group or claim value).",
                "Auth:Oidc:RoleMappings:0:Role: 'boss' is not a role: use viewer, operator or admin.",
            ],
            problems);
        Assert.Empty(new OidcOptions().Problems());
    }

    [Fact]
    public void Classify_TellsAClientRefusal_FromABadToken_FromAnExpiredRoundTrip()
    {
        Assert.Equal("sso-client", OidcSignIn.Classify(new OpenIdConnectProtocolException("Message contains error: 'invalid_client', error_description: 'client authentication failed'")).Code);
        Assert.Equal("sso-token", OidcSignIn.Classify(new SecurityTokenInvalidSignatureException("IDX10511")).Code);
        Assert.Equal("sso-token", OidcSignIn.Classify(new SecurityTokenExpiredException("IDX10223")).Code);
        Assert.Equal("sso-expired", OidcSignIn.Classify(new AuthenticationFailureException("Correlation failed.")).Code);
        Assert.Equal("sso-unavailable", OidcSignIn.Classify(new HttpRequestException("connection refused")).Code);
        Assert.Equal("sso", OidcSignIn.Classify(new InvalidOperationException("something else")).Code);
    }

    private static ClaimsPrincipal User(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    private sealed class AuthenticationFailureException(string message) : Exception(message);
}
