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
    private PortalDeliveryDetail? opened;
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

    /// <summary>Returns the configuration key that holds a hook's secret.</summary>
    internal static string SecretKey(PortalHook hook) =>
        hook.Source == "configuration" ? "Webhooks:Hooks:<index>:Secret" : $"Webhooks:Secrets:{hook.Name}";

    private static string SecretHelp(PortalHook hook) =>
        hook.Source == "configuration"
            ? $"No secret: every delivery is rejected. Set the Secret of hook '{hook.Name}' in Webhooks:Hooks (environment Webhooks__Hooks__<index>__Secret) and restart or reload the configuration."
            : $"No secret: every delivery is rejected. Set Webhooks:Secrets:{hook.Name} (environment Webhooks__Secrets__{hook.Name}) to the secret the sender signs with.";

    private async Task OpenAsync(PortalDelivery d)
    {
        opened = await Portal!.GetDeliveryAsync(selected!, d.Id);
        if (opened is null)
        {
            message = $"Delivery {d.Id} is gone (deliveries are kept for a limited time).";
            messageIsError = true;
        }
    }

    private async Task SelectAsync(string hook)
    {
        selected = hook;
        opened = null;
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
