namespace Workflows.Web;

/// <summary>Options of the portal, bound from the <c>Portal</c> configuration section.</summary>
public sealed class PortalOptions
{
    /// <summary>
    /// Gets or sets how often live views poll for changes that in-process notifications cannot
    /// announce (runs changed by another server). Default is 2 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many runs the runs page shows per page. Default is 25.</summary>
    public int RunsPageSize { get; set; } = 25;

    /// <summary>Gets or sets how many log lines the log view keeps on screen (the download has all). Default is 50000 (the view is virtualized).</summary>
    public int MaxLogLines { get; set; } = 50_000;

    /// <summary>
    /// Gets or sets the name of the single sign-on provider the sign-in page offers ("Sign in with …"), or null when
    /// there is none. The server sets it from <c>Auth:Oidc:DisplayName</c>. Default is null.
    /// </summary>
    public string? SingleSignOnName { get; set; }
}
