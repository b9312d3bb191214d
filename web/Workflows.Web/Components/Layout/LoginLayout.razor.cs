namespace Workflows.Web.Components.Layout;

/// <summary>The bare frame of the static sign-in page.</summary>
public partial class LoginLayout;
