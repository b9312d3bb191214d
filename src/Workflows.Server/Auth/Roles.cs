namespace Workflows.Server.Auth;

/// <summary>The three roles and the policies built on them.</summary>
public static class Roles
{
    /// <summary>Reads everything.</summary>
    public const string Viewer = "viewer";

    /// <summary>Also runs, cancels, retries and approves.</summary>
    public const string Operator = "operator";

    /// <summary>Also manages tokens, clouds, schedules, webhooks and the Hangfire dashboard.</summary>
    public const string Admin = "admin";

    /// <summary>Gets all roles, weakest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin];

    /// <summary>Returns the roles a role includes (admin ⊃ operator ⊃ viewer).</summary>
    public static IEnumerable<string> Including(string role) => All.Take(All.ToList().IndexOf(role) + 1);

    /// <summary>Returns the highest role a user holds, or null.</summary>
    public static string? Highest(System.Security.Claims.ClaimsPrincipal user) => All.LastOrDefault(user.IsInRole);

    /// <summary>Policy: any signed-in role.</summary>
    public const string CanRead = "CanRead";

    /// <summary>Policy: operator or admin.</summary>
    public const string CanOperate = "CanOperate";

    /// <summary>Policy: admin.</summary>
    public const string CanAdminister = "CanAdminister";
}
