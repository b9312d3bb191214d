using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Server.Auth;

namespace Workflows.Server.Apis;

/// <summary>The approvals inbox: every approval request waiting for a decision.</summary>
public static class ApprovalsApi
{
    /// <summary>Maps <c>/api/approvals</c>.</summary>
    public static IEndpointRouteBuilder MapApprovalsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/approvals").WithTags("Approvals").RequireAuthorization(Roles.CanRead);
        read.MapGet("/", ListAsync).WithName("ListApprovals")
            .WithSummary("Lists every pending approval, oldest first: workflow, run, step, message, who asked, since, expiry, required and received approvals, and whether the caller may decide (and if not, why).");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<PendingApproval>>> ListAsync(IApprovalQueries approvals, HttpContext http, CancellationToken ct)
    {
        var caller = Approver.From(http.User);
        var list = await approvals.ListPendingAsync(caller, ct);

        // Deciding needs the operator role on top of the step's policy; a viewer is told so rather than offered a button that answers 403.
        if (!http.User.IsInRole(Roles.Operator))
        {
            list = list.Select(p => p with { CanApprove = false, CanReject = false, WhyNot = "Deciding needs the operator role; you are a viewer." }).ToList();
        }

        return TypedResults.Ok(list);
    }
}
