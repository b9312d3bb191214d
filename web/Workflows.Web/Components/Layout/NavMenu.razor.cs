using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Layout;

/// <summary>The navigation links, with the count of pending approvals; admin-only links appear for admins.</summary>
public sealed partial class NavMenu : IDisposable
{
    private int pendingApprovals;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <inheritdoc />
    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        Navigation.LocationChanged += OnLocationChanged;
        await CountAsync();
    }

    private async Task CountAsync()
    {
        // Optional: hosts without the approvals inbox (some component tests) show no badge.
        if (Services.GetService<IApprovalQueries>() is not { } approvals)
        {
            return;
        }

        try
        {
            pendingApprovals = (await approvals.ListPendingAsync(Approver.Named(""))).Count;
        }
#pragma warning disable CA1031 // the badge is a hint; the page itself shows errors
        catch (Exception)
#pragma warning restore CA1031
        {
            pendingApprovals = 0;
        }
    }

    // Recounted on every navigation, so deciding (which navigates or reloads) updates the badge.
    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) =>
        _ = InvokeAsync(async () =>
        {
            await CountAsync();
            StateHasChanged();
        });
}
