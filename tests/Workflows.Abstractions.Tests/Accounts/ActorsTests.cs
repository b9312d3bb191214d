using System.Security.Claims;
using Workflows.Abstractions.Accounts;

namespace Workflows.Abstractions.Tests.Accounts;

public class ActorsTests
{
    [Theory]
    [InlineData("alice", "cookie", "alice")]
    [InlineData("alice", null, "alice")]
    [InlineData("alice", "oidc", "oidc:alice")]
    [InlineData("oidc:alice", "oidc", "oidc:alice")]
    [InlineData("token:ci", "token", "token:ci")]
    [InlineData("oidc:alice", "cookie", "local:oidc:alice")]
    [InlineData("token:ci", "cookie", "local:token:ci")]
    public void Of_GivesEachKindOfUserItsOwnId_SoALocalNameNeverPassesForAnSsoUser(string name, string? auth, string expected)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        if (auth is not null)
        {
            claims.Add(new Claim("auth", auth));
        }

        Assert.Equal(expected, Actors.Of(new ClaimsPrincipal(new ClaimsIdentity(claims, "test"))));
    }

    [Fact]
    public void Of_IsAnonymous_WithoutAName() => Assert.Equal("anonymous", Actors.Of(new ClaimsPrincipal(new ClaimsIdentity())));

    [Theory]
    [InlineData("oidc:alice", "alice (SSO)")]
    [InlineData("alice", "alice")]
    [InlineData("token:ci", "token:ci")]
    [InlineData("schedule:nightly", "schedule:nightly")]
    public void Display_MarksSsoUsers_AndShowsEverythingElseAsRecorded(string actor, string shown) =>
        Assert.Equal(shown, Actors.Display(actor));

    [Theory]
    [InlineData("alice")]
    [InlineData("local:alice")]
    [InlineData("oidc:alice@example.com")]
    [InlineData("token:ci")]
    public void Problem_IsNull_ForABareOrWellQualifiedName(string named) => Assert.Null(Actors.Problem(named));
}
