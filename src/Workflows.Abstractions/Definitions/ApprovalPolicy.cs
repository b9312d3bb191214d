namespace Workflows.Abstractions.Definitions;

/// <summary>What a <c>core.approval</c> step decides when nobody decided before its expiry (<c>onExpiry:</c>).</summary>
public enum ApprovalExpiry
{
    /// <summary>The step fails with <c>approval.expired</c> (the default).</summary>
    Reject,

    /// <summary>The step succeeds as if approved, by <c>expiry</c>.</summary>
    Approve,
}

/// <summary>Who decides on an approval: the signed-in user's actor id, roles and groups (from single sign-on).</summary>
/// <param name="Name">The user's actor id (<see cref="Accounts.Actors"/>: <c>alice</c> for a local user, <c>oidc:alice</c> for a single sign-on user), recorded in the audit.</param>
/// <param name="Roles">The roles they hold (viewer, operator, admin); admins hold all three.</param>
/// <param name="Groups">Their groups from the identity provider; none for local users and API tokens.</param>
public sealed record Approver(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups)
{
    private static readonly string[] KnownRoles = ["viewer", "operator", "admin"];

    /// <summary>Gets an approver with a name and no roles or groups.</summary>
    public static Approver Named(string name) => new(name, [], []);

    /// <summary>Gets the signed-in user as an approver: their actor id, the roles they hold and their single sign-on groups.</summary>
    public static Approver From(System.Security.Claims.ClaimsPrincipal user) => new(
        Accounts.Actors.Of(user),
        KnownRoles.Where(user.IsInRole).ToList(),
        user.FindAll(WorkflowPermissions.GroupClaimType).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList());
}

/// <summary>
/// The approval policy of a <c>core.approval</c> step (<c>approvers:</c>, <c>required:</c>, <c>allowSelfApproval:</c>,
/// <c>onExpiry:</c> in its <c>with:</c>), fixed when the definition is loaded. One rule for the engine, the API and the portal.
/// </summary>
public sealed class ApprovalPolicy
{
    /// <summary>Gets the policy of a step that names none: any operator except the run's starter; one approval; rejected at expiry.</summary>
    public static ApprovalPolicy Default { get; } = new();

    /// <summary>Gets the roles whose holders may decide (<c>approvers.roles</c>). Default is none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the groups whose members may decide (<c>approvers.groups</c>). Default is none.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>
    /// Gets the users who may decide (<c>approvers.users</c>): a bare name is the local user and the single sign-on user of
    /// that name; <c>local:alice</c> or <c>oidc:alice</c> only one of them (<see cref="Accounts.Actors.Matches"/>). Default is none.
    /// </summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Gets how many distinct people must approve (<c>required:</c>). Default is 1.</summary>
    public int Required { get; init; } = 1;

    /// <summary>Gets whether the person who started the run may approve it (<c>allowSelfApproval:</c>). Default is false.</summary>
    public bool AllowSelfApproval { get; init; }

    /// <summary>Gets what happens when nobody decided before the expiry (<c>onExpiry:</c>). Default is <see cref="ApprovalExpiry.Reject"/>.</summary>
    public ApprovalExpiry OnExpiry { get; init; } = ApprovalExpiry.Reject;

    /// <summary>Gets whether the policy names approvers (otherwise every operator may decide).</summary>
    public bool NamesApprovers => Roles.Count + Groups.Count + Users.Count > 0;

    /// <summary>Describes who may approve, e.g. <c>group platform-admins or user alice</c>, or <c>any operator</c>.</summary>
    public string DescribeApprovers()
    {
        if (!NamesApprovers)
        {
            return "any operator";
        }

        var parts = new List<string>();
        Add(parts, "role", "roles", Roles);
        Add(parts, "group", "groups", Groups);
        Add(parts, "user", "users", Users);
        return string.Join(" or ", parts);

        static void Add(List<string> parts, string one, string many, IReadOnlyList<string> names)
        {
            if (names.Count > 0)
            {
                parts.Add($"{(names.Count == 1 ? one : many)} {string.Join(", ", names)}");
            }
        }
    }

    /// <summary>Describes the whole policy in one sentence, for the portal and the audit.</summary>
    public string Describe() =>
        $"Approvers are {DescribeApprovers()}; {(Required == 1 ? "1 approval is" : $"{Required} approvals from different people are")} needed; "
        + $"{(AllowSelfApproval ? "the run's starter may approve it" : "the run's starter may not approve it")}; "
        + $"{(OnExpiry == ApprovalExpiry.Approve ? "approved" : "rejected")} when it expires.";

    /// <summary>
    /// Returns the role or group that makes <paramref name="approver"/> an approver (<c>role admin</c>,
    /// <c>group platform-admins</c>, <c>user alice</c>, <c>any operator</c>), or null when they are none.
    /// </summary>
    public string? Grant(Approver approver)
    {
        if (!NamesApprovers)
        {
            return "any operator";
        }

        if (Users.FirstOrDefault(u => Accounts.Actors.Matches(u, approver.Name)) is { } user)
        {
            return $"user {user}";
        }

        if (Groups.FirstOrDefault(g => approver.Groups.Contains(g, StringComparer.Ordinal)) is { } group)
        {
            return $"group {group}";
        }

        return Roles.FirstOrDefault(r => approver.Roles.Contains(r, StringComparer.OrdinalIgnoreCase)) is { } role ? $"role {role}" : null;
    }

    /// <summary>
    /// Returns why <paramref name="approver"/> may not make this decision, in words for the person refused, or null when they may.
    /// </summary>
    /// <param name="approver">Who decides.</param>
    /// <param name="starter">The actor id of the person who started the run (a portal or API trigger), or null for schedules, webhooks and parent runs.
    /// Actor ids are compared, never display names: a single sign-on alice did not start a run of the local alice.</param>
    /// <param name="approving">True to approve, false to reject. The starter may always reject (withdraw) their own request when they are an approver.</param>
    /// <param name="approvedBy">Who has already approved this request.</param>
    public string? WhyNotAllowed(Approver approver, string? starter, bool approving, IReadOnlyCollection<string> approvedBy)
    {
        if (Grant(approver) is null)
        {
            return $"Approvers are {DescribeApprovers()}; {Accounts.Actors.Display(approver.Name)} is none of them.";
        }

        if (approving && !AllowSelfApproval && starter is not null && string.Equals(starter, approver.Name, StringComparison.Ordinal))
        {
            return "You started this run; self-approval is not allowed.";
        }

        if (approving && approvedBy.Contains(approver.Name, StringComparer.Ordinal))
        {
            return $"You have already approved; {Required} approvals from different people are needed ({approvedBy.Count} so far).";
        }

        return null;
    }
}
