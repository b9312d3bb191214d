using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Triggers;

/// <summary>Webhooks (secrets never shown) and, for operators, each hook's deliveries with Redeliver.</summary>
public partial class WebhooksPage
{
    private IReadOnlyList<PortalHook> hooks = [];
    private IReadOnlyList<PortalDelivery> deliveries = [];
    private string? selected;
    private bool loading = true;
    private string? loadError;
    private string? message;
    private bool messageIsError;
    private bool canOperate;
    private string actor = "unknown";

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private ITriggerPortal? Portal => Services.GetService(typeof(ITriggerPortal)) as ITriggerPortal;

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            actor = user.ActorName();
        }

        try
        {
            hooks = Portal is { } p ? await p.ListHooksAsync() : [];
            loadError = Portal is null ? "Webhooks are not enabled on this server (services.AddTriggers)." : null;
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
        finally
        {
            loading = false;
        }
    }

    private static Color StatusColor(string status) => status switch
    {
        "accepted" => Color.Success,
        "ignored" or "duplicate" => Color.Default,
        _ => Color.Error,
    };

    private async Task SelectAsync(string hook)
    {
        selected = hook;
        deliveries = await Portal!.ListDeliveriesAsync(hook, 50);
    }

    private async Task RedeliverAsync(PortalDelivery d)
    {
        var outcome = await Portal!.RedeliverAsync(selected!, d.Id, actor);
        message = outcome.Message;
        messageIsError = outcome.Outcome != "accepted";
        deliveries = await Portal.ListDeliveriesAsync(selected!, 50);
    }
}
