using System.Security.Claims;

namespace Workflows.Web.Components.Shared;

/// <summary>The portal's roles and what each may do.</summary>
public static class PortalUser
{
    /// <summary>The role that may read everything.</summary>
    public const string ViewerRole = "viewer";

    /// <summary>The role that may also run, cancel, retry and approve.</summary>
    public const string OperatorRole = "operator";

    /// <summary>The role that may also reach the admin tools (Hangfire dashboard).</summary>
    public const string AdminRole = "admin";

    /// <summary>Returns whether the user may change runs.</summary>
    public static bool CanOperate(this ClaimsPrincipal? user) =>
        user is not null && (user.IsInRole(OperatorRole) || user.IsInRole(AdminRole));

    /// <summary>Returns whether the user is an admin.</summary>
    public static bool IsAdmin(this ClaimsPrincipal? user) => user is not null && user.IsInRole(AdminRole);

    /// <summary>Describes the user for account changes (tokens, users, password) and the security journal.</summary>
    public static global::Workflows.Abstractions.Accounts.AccountActor AccountActor(this ClaimsPrincipal? user) => new(
        user.ActorName(),
        user.IsAdmin() ? AdminRole : user.CanOperate() ? OperatorRole : ViewerRole,
        user?.FindFirst("auth")?.Value ?? "cookie",
        null,
        user is null ? [] : [.. user.FindAll(global::Workflows.Abstractions.Definitions.WorkflowPermissions.GroupClaimType).Select(c => c.Value)]);

    /// <summary>Returns whether the user signed in with a local password (not single sign-on, not a token).</summary>
    public static bool IsLocal(this ClaimsPrincipal? user) => user?.FindFirst("auth")?.Value is null or "cookie";

    /// <summary>Returns the name recorded as the actor of the user's commands.</summary>
    public static string ActorName(this ClaimsPrincipal? user) =>
        user?.Identity?.Name is { Length: > 0 } ? global::Workflows.Abstractions.Accounts.Actors.Of(user) : "unknown";

    /// <summary>Returns the user's name for people: <c>alice</c>, or <c>alice (SSO)</c> for a single sign-on user.</summary>
    public static string DisplayName(this ClaimsPrincipal? user) =>
        global::Workflows.Abstractions.Accounts.Actors.Display(user.ActorName());
}
