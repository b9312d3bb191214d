using Microsoft.AspNetCore.Components;
using MudBlazor;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Admin;

/// <summary>
/// API tokens: create (role at most one's own, expiry; groups: one's own, or named ones for an admin; the value shown
/// once with a copy button), list with groups and last use, revoke.
/// </summary>
public partial class TokensPage
{
    private static readonly string[] RolesWeakestFirst = [PortalUser.ViewerRole, PortalUser.OperatorRole, PortalUser.AdminRole];

    private IReadOnlyList<string> allowedRoles = [PortalUser.ViewerRole];
    private CreatedToken? created;
    private string ownRole = PortalUser.ViewerRole;
    private IReadOnlyList<string> ownGroups = [];
    private string newName = "";
    private string newGroups = "";
    private string? groupsError;
    private string newRole = PortalUser.ViewerRole;
    private int newDays = 90;
    private string? nameError;
    private string? createError;
    private bool isAdmin;
    private bool canCreate = true;
    private bool busy;
    private bool copied;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnActorKnown()
    {
        ownRole = Actor.Role;
        ownGroups = Actor.Groups ?? [];
        isAdmin = Actor.Role == PortalUser.AdminRole;
        canCreate = Actor.Auth != "token" || isAdmin;
        allowedRoles = RolesWeakestFirst.Take(Array.IndexOf(RolesWeakestFirst, Actor.Role) + 1).ToList();
        newRole = Actor.Role == PortalUser.AdminRole ? PortalUser.OperatorRole : Actor.Role;
    }

    /// <inheritdoc />
    protected override Task<IReadOnlyList<TokenInfo>> ListAsync() => Accounts.ListTokensAsync(Actor);

    private async Task CreateAsync()
    {
        nameError = string.IsNullOrWhiteSpace(newName) ? "Give the token a name." : null;
        createError = null;
        groupsError = null;
        if (nameError is not null)
        {
            return;
        }

        busy = true;
        try
        {
            // Blank: the caller's own groups; an admin may name others, comma-separated.
            IReadOnlyList<string>? groups = isAdmin && !string.IsNullOrWhiteSpace(newGroups)
                ? newGroups.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : null;
            created = await Accounts.CreateTokenAsync(Actor, newName, newRole, newDays == 0 ? null : newDays, groups);
            copied = false;
            newName = "";
            newGroups = "";
            await LoadAsync();
        }
        catch (AccountException e) when (e.Field == "name")
        {
            nameError = e.Message;
        }
        catch (AccountException e) when (e.Field?.StartsWith("groups", StringComparison.Ordinal) == true)
        {
            groupsError = e.Message;
        }
        catch (AccountException e)
        {
            createError = e.Message;
        }
        finally
        {
            busy = false;
        }
    }

    private string GroupsHelp => ownGroups.Count == 0
        ? "Comma-separated, for workflows' permissions; blank for none"
        : $"Comma-separated, for workflows' permissions; blank for yours ({string.Join(", ", ownGroups)})";

    private async Task CopyAsync()
    {
        if (created is not null)
        {
            await CopyToClipboardAsync(created.Token);
            copied = true;
        }
    }

    private async Task RevokeAsync(TokenInfo token)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Revoke token?",
            $"Token '{token.Name}' ({token.Role}{(isAdmin ? $", created by {token.CreatedBy}" : "")}) stops working at once; scripts that use it get 401.",
            yesText: "Revoke",
            cancelText: "Keep");
        if (confirmed != true)
        {
            return;
        }

        try
        {
            await Accounts.RevokeTokenAsync(Actor, token.Id);
            if (created?.Id == token.Id)
            {
                created = null;
            }
        }
        catch (AccountException e)
        {
            createError = e.Message;
        }

        await LoadAsync();
    }
}
