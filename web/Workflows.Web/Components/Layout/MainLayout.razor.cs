using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Workflows.Web.Components.Layout;

/// <summary>The page frame: app bar with the dark-mode toggle and the user, navigation drawer, content.</summary>
public partial class MainLayout
{
    private readonly MudTheme theme = PortalTheme.Create();
    private MudThemeProvider? themeProvider;
    private bool drawerOpen = true;
    private bool darkMode;
    private bool darkModeChosen;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && themeProvider is not null)
        {
            // The user's last choice (kept in this browser), else the browser's preference.
            var saved = await JS.InvokeAsync<string?>("workflowsPortal.loadSetting", "darkMode");
            var dark = saved is "true" or "false" ? saved == "true" : await themeProvider.GetSystemDarkModeAsync();
            if (!darkModeChosen && dark != darkMode)
            {
                darkMode = dark;
                StateHasChanged();
            }
        }
    }

    private void ToggleDrawer() => drawerOpen = !drawerOpen;

    private async Task ToggleDarkModeAsync()
    {
        darkModeChosen = true;
        darkMode = !darkMode;
        await JS.InvokeVoidAsync("workflowsPortal.saveSetting", "darkMode", darkMode ? "true" : "false");
    }
}
