using MudBlazor;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Admin;

/// <summary>Users (admins only): add local users, change their role, disable or enable them, reset their password; others read-only.</summary>
public partial class UsersPage
{
    private (string Name, string Password)? issued;
    private string newName = "";
    private string newRole = PortalUser.OperatorRole;
    private string? newPassword;
    private string? newNameError;
    private string? newPasswordError;
    private string? actionError;
    private bool busy;

    private static string SourceName(UserSource source) => source switch
    {
        UserSource.Local => "local",
        UserSource.Configuration => "configuration",
        _ => "single sign-on",
    };

    private static string SourceHint(UserSource source) => source switch
    {
        UserSource.Local => "Stored in the server's database; managed here.",
        UserSource.Configuration => "Defined in Auth:Users of the server's configuration; change it there and restart.",
        _ => "Signs in at the identity provider; the role comes from Auth:Oidc:RoleMappings (as of the last sign-in).",
    };

    /// <inheritdoc />
    protected override Task<IReadOnlyList<UserSummary>> ListAsync() => Accounts.ListUsersAsync();

    private async Task CreateAsync()
    {
        newNameError = newPasswordError = actionError = null;
        busy = true;
        try
        {
            var name = newName.Trim();
            var generated = await Accounts.CreateUserAsync(Actor, name, newRole, string.IsNullOrEmpty(newPassword) ? null : newPassword);
            issued = generated is null ? null : (name, generated);
            newName = "";
            newPassword = null;
            await LoadAsync();
        }
        catch (AccountException e)
        {
            switch (e.Field)
            {
                case "name":
                    newNameError = e.Message;
                    break;
                case "password":
                    newPasswordError = e.Message;
                    break;
                default:
                    actionError = e.Message;
                    break;
            }
        }
        finally
        {
            busy = false;
        }
    }

    private Task SetRoleAsync(UserSummary user, string role) =>
        role == user.Role ? Task.CompletedTask : ActAsync(() => Accounts.SetRoleAsync(Actor, user.Name, role));

    private async Task ToggleDisabledAsync(UserSummary user)
    {
        if (!user.Disabled)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync(
                $"Disable {user.Name}?",
                "Their open sessions end and their API tokens stop working until they are enabled again.",
                yesText: "Disable",
                cancelText: "Keep enabled");
            if (confirmed != true)
            {
                return;
            }
        }

        await ActAsync(() => Accounts.SetDisabledAsync(Actor, user.Name, !user.Disabled));
    }

    private async Task ResetAsync(UserSummary user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Reset the password of {user.Name}?",
            "A one-time password is generated and shown once; their sessions end and they must choose a new password at sign-in.",
            yesText: "Reset password",
            cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }

        await ActAsync(async () =>
        {
            if (await Accounts.ResetPasswordAsync(Actor, user.Name, null) is { } password)
            {
                issued = (user.Name, password);
            }
        });
    }

    private async Task ActAsync(Func<Task> action)
    {
        actionError = null;
        busy = true;
        try
        {
            await action();
        }
        catch (AccountException e)
        {
            actionError = e.Message;
        }
        finally
        {
            busy = false;
        }

        await LoadAsync();
    }

    private async Task CopyAsync()
    {
        if (issued is { } i)
        {
            await CopyToClipboardAsync(i.Password);
        }
    }
}
