using MudBlazor;

namespace Workflows.Web.Components.Layout;

/// <summary>The page frame: app bar with the dark-mode toggle and the user, navigation drawer, content.</summary>
public partial class MainLayout
{
    private readonly MudTheme theme = new();
    private MudThemeProvider? themeProvider;
    private bool drawerOpen = true;
    private bool darkMode;
    private bool darkModeChosen;

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && themeProvider is not null)
        {
            // Start from the browser's preference until the user picks a mode.
            var systemDark = await themeProvider.GetSystemDarkModeAsync();
            if (!darkModeChosen && systemDark != darkMode)
            {
                darkMode = systemDark;
                StateHasChanged();
            }
        }
    }

    private void ToggleDrawer() => drawerOpen = !drawerOpen;

    private Task ToggleDarkModeAsync()
    {
        darkModeChosen = true;
        darkMode = !darkMode;
        return Task.CompletedTask;
    }
}
