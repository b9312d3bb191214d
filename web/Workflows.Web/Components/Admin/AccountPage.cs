using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Workflows.Abstractions.Accounts;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Admin;

/// <summary>
/// The plumbing the account pages (users, API tokens) share: the signed-in actor, the account service, dialogs and the
/// clipboard, and the page's list with its loading and error state.
/// </summary>
/// <typeparam name="TItem">What the page lists.</typeparam>
public abstract class AccountPage<TItem> : ComponentBase
{
    /// <summary>Gets the actor the page acts as (a viewer named "unknown" until the authentication state is known).</summary>
    protected AccountActor Actor { get; private set; } = new("unknown", PortalUser.ViewerRole, "cookie", null);

    /// <summary>Gets the listed items (empty until loaded).</summary>
    protected IReadOnlyList<TItem> Items { get; private set; } = [];

    /// <summary>Gets whether the first load is still running.</summary>
    protected bool Loading { get; private set; } = true;

    /// <summary>Gets why the last load failed, or null.</summary>
    protected string? LoadError { get; private set; }

    /// <summary>Gets the account service.</summary>
    [Inject]
    protected IAccountAdministration Accounts { get; private set; } = default!;

    /// <summary>Gets the dialogs (confirmations).</summary>
    [Inject]
    protected IDialogService Dialogs { get; private set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            Actor = (await AuthenticationState).User.AccountActor();
        }

        OnActorKnown();
        await LoadAsync();
    }

    /// <summary>Called once the actor is known, before the first load (e.g. to offer the roles it may give).</summary>
    protected virtual void OnActorKnown()
    {
    }

    /// <summary>Reads the items as <see cref="Actor"/> may see them.</summary>
    protected abstract Task<IReadOnlyList<TItem>> ListAsync();

    /// <summary>(Re)loads the items; a failure is shown as the page's error state, not thrown.</summary>
    protected async Task LoadAsync()
    {
        try
        {
            Items = await ListAsync();
            LoadError = null;
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LoadError = ex.Message;
        }
        finally
        {
            Loading = false;
        }
    }

    /// <summary>Copies a text to the clipboard (a one-time password, a new token).</summary>
    protected Task CopyToClipboardAsync(string text) => JS.InvokeVoidAsync("workflowsPortal.copy", text).AsTask();
}
