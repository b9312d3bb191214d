using MudBlazor;

namespace Workflows.Web.Components.Layout;

/// <summary>
/// The portal's theme: MudBlazor's defaults with status colours dark enough for white text and for text on white
/// (WCAG 2.1 AA, 4.5:1 at the chips' 12 px; MudBlazor's default success green gives 2.2:1), checked by axe-core in the
/// browser tests' accessibility pass.
/// </summary>
public static class PortalTheme
{
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
    };
}
