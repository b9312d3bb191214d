using System.Security.Claims;

namespace Workflows.Abstractions.Definitions;

/// <summary>Who may do what with a workflow (<c>permissions:</c> in its definition), beyond the roles.</summary>
public sealed class WorkflowPermissions
{
    /// <summary>The claim type under which the server puts a signed-in user's groups (from single sign-on).</summary>
    public const string GroupClaimType = "wf:group";

    /// <summary>The role that may run any workflow (break-glass), whatever its groups.</summary>
    public const string AdminRole = "admin";

    /// <summary>Gets no restriction: everyone with the operator role may run it.</summary>
    public static WorkflowPermissions None { get; } = new();

    /// <summary>
    /// Gets the groups whose members may run the workflow (<c>permissions: { run: [platform-admins] }</c>). Empty: any
    /// operator. Admins may always run it. Default is empty.
    /// </summary>
    public IReadOnlyList<string> Run { get; init; } = [];

    /// <summary>Returns why <paramref name="user"/> may not start a run of <paramref name="workflow"/>, or null when they may (role checks aside).</summary>
    public string? WhyNotAllowedToRun(ClaimsPrincipal user, string workflow)
    {
        if (Run.Count == 0 || user.IsInRole(AdminRole))
        {
            return null;
        }

        var groups = user.FindAll(GroupClaimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return Run.Any(groups.Contains)
            ? null
            : $"Only members of {string.Join(", ", Run.Select(g => $"'{g}'"))} (or an admin) may run '{workflow}'.";
    }
}
