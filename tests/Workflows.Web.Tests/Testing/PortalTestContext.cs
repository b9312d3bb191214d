using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Tests.Testing;

/// <summary>A bunit context with MudBlazor, a signed-in user and fakes of the engine's interfaces.</summary>
public abstract class PortalTestContext : BunitContext
{
    protected PortalTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<IWorkflowCatalog>(Catalog);
        Services.AddSingleton<IRunQueries>(Queries);
        Services.AddSingleton<IRunCommands>(Commands);
        Services.AddSingleton<IRunBulkCommands>(new RefusingBulk());
        Services.AddSingleton<IRunNotifications>(Notifications);
        Services.AddSingleton<ICloudCatalog>(Clouds);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddOptions<PortalOptions>();
        Auth = AddAuthorization();
    }

    protected FakeWorkflowCatalog Catalog { get; } = new();

    protected FakeRunQueries Queries { get; } = new();

    protected FakeRunCommands Commands { get; } = new();

    protected FakeRunNotifications Notifications { get; } = new();

    protected FakeCloudCatalog Clouds { get; } = new();

    protected FakeTimeProvider Clock { get; } = new(TestData.T0.AddMinutes(1));

    protected BunitAuthorizationContext Auth { get; }

    /// <inheritdoc />
    /// <remarks>xunit v2 disposes test classes synchronously; MudBlazor services only dispose asynchronously.</remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        base.Dispose(disposing);
    }

    /// <summary>Signs in a user with the given role.</summary>
    protected void SignIn(string name, params string[] roles)
    {
        Auth.SetAuthorized(name);
        Auth.SetRoles(roles);
    }

    /// <summary>Renders the popover host MudSelect and MudTooltip need.</summary>
    protected IRenderedComponent<MudPopoverProvider> RenderPopovers() => Render<MudPopoverProvider>();

    /// <summary>Bulk commands for pages that only show the bulk bar: any request fails the test.</summary>
    private sealed class RefusingBulk : IRunBulkCommands
    {
        public Task<BulkResult> BulkAsync(BulkRequest request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("This test did not expect a bulk operation.");
    }
}
