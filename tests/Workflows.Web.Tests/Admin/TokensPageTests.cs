using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Admin;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Admin;

public sealed class TokensPageTests : PortalTestContext
{
    private readonly FakeAccounts accounts = new();
    private IRenderedComponent<MudDialogProvider> dialogs = null!;

    public TokensPageTests() => Services.AddSingleton<IAccountAdministration>(accounts);

    [Fact]
    public void Render_SaysThereAreNoTokens_WhenTheUserHasNone()
    {
        SignIn("olga", "viewer", "operator");

        var cut = RenderPage();

        Assert.Contains("No API tokens", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("olga", Assert.Single(accounts.Actors).Name);
        Assert.Equal("operator", accounts.Actors[0].Role);
    }

    [Fact]
    public async Task Create_ShowsTheValueOnce_WithAWarningAndACopyButton()
    {
        SignIn("olga", "viewer", "operator");
        var cut = RenderPage();

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("ci-deploy");
        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Equal("token ci-deploy operator 90", Assert.Single(accounts.Calls));
        Assert.Equal("wft_secret_value_t1", cut.Find("[data-testid=token-value]").TextContent);
        Assert.Contains("it is not shown again", cut.Find("[data-testid=token-created]").TextContent, StringComparison.Ordinal);
        await cut.Find("[data-testid=token-copy]").ClickAsync(new());
        Assert.Equal("wft_secret_value_t1", JSInterop.Invocations["workflowsPortal.copy"].Single().Arguments[0]);
        Assert.Contains("ci-deploy", cut.Find("[data-testid=tokens]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("wft_secret_value_t1", cut.Find("[data-testid=tokens]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutAName_NamesTheField_AndCreatesNothing()
    {
        SignIn("olga", "viewer", "operator");
        var cut = RenderPage();

        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Contains("Give the token a name.", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(accounts.Calls);
    }

    [Fact]
    public async Task Create_ShowsTheServersRefusal()
    {
        SignIn("olga", "viewer", "operator");
        accounts.Refuse = new AccountException(AccountErrorKind.Forbidden, "role", "A token may have at most your own role (operator); 'admin' is higher.");
        var cut = RenderPage();

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("x");
        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Contains("at most your own role", cut.Find("[data-testid=token-create-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ForAnAdmin_ShowsEveryTokenWithItsCreator()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Tokens.Add(new TokenInfo("a1", "nightly", "viewer", "olga", DateTimeOffset.UnixEpoch, null, TestData.T0, []));
        accounts.Tokens.Add(new TokenInfo("a2", "deploy", "operator", "root", DateTimeOffset.UnixEpoch, TestData.T0.AddDays(-1), null, []));

        var cut = RenderPage();

        Assert.Equal(["olga", "root"], cut.FindAll("[data-testid=token-creator]").Select(e => e.TextContent).ToArray());
        Assert.Contains("expired", cut.Find("[data-testid=tokens]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ForAnOperator_HidesTheCreatorColumn_AndOthersTokens()
    {
        SignIn("olga", "viewer", "operator");
        accounts.Tokens.Add(new TokenInfo("a1", "nightly", "viewer", "olga", DateTimeOffset.UnixEpoch, null, null, []));
        accounts.Tokens.Add(new TokenInfo("a2", "deploy", "operator", "root", DateTimeOffset.UnixEpoch, null, null, []));

        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=token-creator]"));
        Assert.Single(cut.FindAll("[data-testid^=token-row-]"));
    }

    [Fact]
    public async Task Revoke_AsksFirst_AndRevokesOnlyWhenConfirmed()
    {
        SignIn("olga", "viewer", "operator");
        accounts.Tokens.Add(new TokenInfo("a1", "nightly", "viewer", "olga", DateTimeOffset.UnixEpoch, null, null, []));
        var cut = RenderPage();

        var keep = cut.Find("[data-testid=token-revoke-a1]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke token?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();
        await keep;
        Assert.Empty(accounts.Calls);

        var revoke = cut.Find("[data-testid=token-revoke-a1]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("stops working at once", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click();
        await revoke;

        Assert.Equal("revoke a1", Assert.Single(accounts.Calls));
        cut.WaitForAssertion(() => Assert.Contains("No API tokens", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_ForAnSsoOperator_SaysTheTokenGetsTheirGroups_AndLeavesThemToTheServer()
    {
        SignIn("bob", "viewer", "operator");
        Auth.SetClaims(new System.Security.Claims.Claim("auth", "oidc"), new System.Security.Claims.Claim("wf:group", "developers"), new System.Security.Claims.Claim("wf:group", "everyone"));
        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=token-groups]"));
        Assert.Contains("gets your groups (developers, everyone)", cut.Find("[data-testid=token-groups-note]").TextContent, StringComparison.Ordinal);
        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("bob-ci");
        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Equal("token bob-ci operator 90", Assert.Single(accounts.Calls));
        Assert.Equal(["developers", "everyone"], accounts.Actors.Last().Groups);
        Assert.Equal("developers, everyone", cut.Find("[data-testid=token-groups-cell]").TextContent);
    }

    [Fact]
    public async Task Create_AsAnAdmin_GivesTheTokenTheNamedGroups()
    {
        SignIn("root", "viewer", "operator", "admin");
        var cut = RenderPage();

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("release-bot");
        cut.Find("input[data-testid=token-groups], [data-testid=token-groups] input").Change(" platform-admins , releasers,");
        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Equal("token release-bot operator 90 groups [platform-admins,releasers]", Assert.Single(accounts.Calls));
        Assert.Equal("platform-admins, releasers", cut.Find("[data-testid=token-groups-cell]").TextContent);
    }

    [Fact]
    public async Task Create_ShowsARefusedGroup_UnderTheGroupsField()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Refuse = new AccountException(AccountErrorKind.Invalid, "groups[0]", "A group name is 1 to 200 characters, none of them control characters.");
        var cut = RenderPage();

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("x");
        cut.Find("input[data-testid=token-groups], [data-testid=token-groups] input").Change("a");
        await cut.Find("[data-testid=token-create]").ClickAsync(new());

        Assert.Contains("A group name is 1 to 200 characters", cut.Find(".mud-input-control:has([data-testid=token-groups]) .mud-input-helper-text").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=token-create-error]"));
    }

    [Fact]
    public void Render_ForALocalUser_SaysTheTokenIsInNoGroup_AndListsNoneForGrouplessTokens()
    {
        SignIn("olga", "viewer", "operator");
        accounts.Tokens.Add(new TokenInfo("a1", "nightly", "viewer", "olga", DateTimeOffset.UnixEpoch, null, null, []));

        var cut = RenderPage();

        Assert.Contains("in no group", cut.Find("[data-testid=token-groups-note]").TextContent, StringComparison.Ordinal);
        Assert.Equal("none", cut.Find("[data-testid=token-groups-cell]").TextContent);
    }

    private IRenderedComponent<TokensPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<TokensPage>();
    }
}
