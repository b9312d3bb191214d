using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Admin;
using Workflows.Web.Components.Layout;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Admin;

public sealed class UsersPageTests : PortalTestContext
{
    private readonly FakeAccounts accounts = new();
    private IRenderedComponent<MudDialogProvider> dialogs = null!;

    public UsersPageTests() => Services.AddSingleton<IAccountAdministration>(accounts);

    [Fact]
    public void Render_ListsUsers_WithSourceStatusAndActionsOnlyForLocalOnes()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Users.Add(new UserSummary("ada", "operator", UserSource.Local, false, true, DateTimeOffset.UnixEpoch, null));
        accounts.Users.Add(new UserSummary("bob", "viewer", UserSource.Local, true, false, DateTimeOffset.UnixEpoch, TestData.T0));
        accounts.Users.Add(new UserSummary("cfg", "admin", UserSource.Configuration, false, false, null, null));
        accounts.Users.Add(new UserSummary("sso@example.org", "operator", UserSource.SingleSignOn, false, false, null, TestData.T0));

        var cut = RenderPage();

        Assert.Equal("must change password", cut.Find("[data-testid=user-status-ada]").TextContent.Trim());
        Assert.Equal("disabled", cut.Find("[data-testid=user-status-bob]").TextContent.Trim());
        Assert.Equal("Enable", cut.Find("[data-testid=user-toggle-bob]").TextContent.Trim());
        Assert.Equal("configuration", cut.Find("[data-testid=user-source-cfg]").TextContent.Trim());
        Assert.Equal("single sign-on", cut.Find("[data-testid='user-source-sso@example.org']").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=user-toggle-cfg]"));
        Assert.Empty(cut.FindAll("[data-testid='user-reset-sso@example.org']"));
        Assert.Equal("operator", cut.Find("[data-testid='user-role-sso@example.org']").TextContent.Trim());
    }

    [Fact]
    public async Task AddUser_WithoutAPassword_ShowsTheGeneratedOneTimePasswordOnce()
    {
        SignIn("root", "viewer", "operator", "admin");
        var cut = RenderPage();

        cut.Find("input[data-testid=user-new-name], [data-testid=user-new-name] input").Change("carol");
        await cut.Find("[data-testid=user-create]").ClickAsync(new());

        Assert.Equal("create carol operator generated", Assert.Single(accounts.Calls));
        Assert.Equal("root", accounts.Actors.Single().Name);
        Assert.Equal("OneTimePassword2345", cut.Find("[data-testid=user-one-time-password]").TextContent);
        Assert.Equal("must change password", cut.Find("[data-testid=user-status-carol]").TextContent.Trim());
    }

    [Fact]
    public async Task AddUser_ShowsTheRefusal_UnderTheField()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Refuse = new AccountException(AccountErrorKind.Invalid, "password", "The password must be at least 12 characters long.");
        var cut = RenderPage();

        cut.Find("input[data-testid=user-new-name], [data-testid=user-new-name] input").Change("carol");
        await cut.Find("[data-testid=user-create]").ClickAsync(new());

        Assert.Contains("The password must be at least 12 characters long.", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(accounts.Users);
    }

    [Fact]
    public async Task Disable_AsksFirst_AndShowsTheLastAdminRefusal()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Users.Add(new UserSummary("ada", "admin", UserSource.Local, false, false, DateTimeOffset.UnixEpoch, null));
        var cut = RenderPage();
        accounts.Refuse = new AccountException(AccountErrorKind.Conflict, "disabled", "'ada' is the last enabled admin; make another user admin first.");

        var click = cut.Find("[data-testid=user-toggle-ada]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Disable ada?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click();
        await click;

        cut.WaitForAssertion(() => Assert.Contains("last enabled admin", cut.Find("[data-testid=user-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal("active", cut.Find("[data-testid=user-status-ada]").TextContent.Trim());
    }

    [Fact]
    public async Task ResetPassword_AfterConfirming_ShowsTheOneTimePassword()
    {
        SignIn("root", "viewer", "operator", "admin");
        accounts.Users.Add(new UserSummary("ada", "operator", UserSource.Local, false, false, DateTimeOffset.UnixEpoch, null));
        var cut = RenderPage();

        var click = cut.Find("[data-testid=user-reset-ada]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("Reset the password of ada?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Reset password").Click();
        await click;

        Assert.Equal("reset ada", Assert.Single(accounts.Calls));
        cut.WaitForAssertion(() => Assert.Equal("ResetPassword98765", cut.Find("[data-testid=user-one-time-password]").TextContent));
    }

    [Fact]
    public void NavMenu_ShowsUsersToAnAdminOnly_AndTokensToEveryone()
    {
        SignIn("vera", "viewer");
        var viewer = Render<NavMenu>();
        Assert.Empty(viewer.FindAll("[data-testid=nav-users]"));
        Assert.Single(viewer.FindAll("[data-testid=nav-tokens]"));

        SignIn("root", "viewer", "operator", "admin");
        var admin = Render<NavMenu>();
        Assert.Single(admin.FindAll("[data-testid=nav-users]"));
    }

    private IRenderedComponent<UsersPage> RenderPage()
    {
        RenderPopovers();
        dialogs = Render<MudDialogProvider>();
        return Render<UsersPage>();
    }
}
