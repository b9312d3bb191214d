using MudBlazor;

namespace Workflows.Web.Components.Layout;

/// <summary>
/// The portal's theme: MudBlazor's defaults with colours that pass WCAG 2.1 AA (4.5:1 at the chips' 12 px), checked by
/// axe-core in the browser tests' accessibility pass, in light and in dark mode. In light mode the status colours are
/// dark enough for white text and for text on white (MudBlazor's default success green gives 2.2:1); in dark mode they
/// are light enough for text on the dark surfaces (#373740, and a hovered or selected row over it), and filled chips
/// and buttons carry dark text on them.
/// </summary>
public static class PortalTheme
{
    // Text on the dark palette's light status colours (filled chips, buttons): 7:1 or more on each of them.
    private const string DarkText = "#1e1e24";

    /// <summary>Creates the theme (one per layout instance: MudTheme is mutable).</summary>
    public static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Success = "#27692b",
            Secondary = "#c2185b",
            Info = "#1565c0",
            Error = "#c62828",
            Warning = "#a65c00",
            // Secondary text (log times, captions) on the grey log background: rgba(0,0,0,0.54) gives 4.47:1 there.
            TextSecondary = "#616161",
        },
        // Contrast on the surface #373740 (on a hovered row over it, #45454d): MudBlazor's dark defaults give 2.8:1 for
        // primary links, 3.5:1 for errors, 4.0:1 for info and 4.3:1 for secondary text.
        PaletteDark = new PaletteDark
        {
            Primary = "#b4aeff",           // 5.9:1 (4.6:1 hovered)
            PrimaryContrastText = DarkText,
            Secondary = "#f59dbc",         // 5.9:1
            SecondaryContrastText = DarkText,
            Success = "#56d6a0",           // 6.5:1
            SuccessContrastText = DarkText,
            Info = "#74bdf7",              // 5.8:1
            InfoContrastText = DarkText,
            Warning = "#ffb74d",           // 6.8:1
            WarningContrastText = DarkText,
            Error = "#ffa097",             // 6.0:1
            ErrorContrastText = DarkText,
            TextSecondary = "#babac0",     // 6.1:1, 7.7:1 on the log's background
        },
    };
}
