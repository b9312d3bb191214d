namespace Workflows.Web.Components.Layout;

/// <summary>The navigation links; admin-only links appear for admins.</summary>
public partial class NavMenu;
