namespace Workflows.Web.Components.Shared;

/// <summary>The page shown for unknown addresses.</summary>
public partial class NotFoundPage;
