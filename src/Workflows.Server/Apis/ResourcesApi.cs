using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Resources;
using Workflows.Abstractions.Runs;
using Workflows.Server.Auth;

namespace Workflows.Server.Apis;

/// <summary>Resources: cleaning up orphans (the ledger's listing is in <see cref="RunsApi"/>).</summary>
public static class ResourcesApi
{
    /// <summary>Maps the operator commands on <c>/api/resources</c>.</summary>
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var write = app.MapGroup("/api/resources").WithTags("Resources").RequireAuthorization(Roles.CanOperate);
        write.MapPost("/cleanup", CleanupAsync).WithName("CleanupResources")
            .WithSummary("Starts one run of the built-in resource-cleanup workflow that deletes the given orphans, one step each; 422 naming each item that is not an orphan or has no delete action (nothing is started).");
        write.MapPost("/check", CheckAsync).WithName("CheckResources")
            .WithSummary("Looks every resource not marked deleted (or the given ones) up in its provider with read-only calls and marks those that no longer exist as gone (deletedReason Gone, deletedBy the caller, audited); answers present / gone / unknown per resource.");
        return app;
    }

    private static async Task<Ok<ResourceCheckResult>> CheckAsync([FromBody] CleanupBody? body, IResourceCheck check, HttpContext http, CancellationToken ct)
    {
        var keys = body?.Resources?.Select(r => new ResourceKey(r.Kind ?? "", r.Provider ?? "", r.ExternalId ?? "")).ToList();
        return TypedResults.Ok(await check.CheckAsync(keys is { Count: > 0 } ? keys : null, http.User.Actor(), cancellationToken: ct));
    }

    private static async Task<Results<Accepted<RunSummary>, ProblemHttpResult>> CleanupAsync([FromBody] CleanupBody body, IResourceCleanup cleanup, HttpContext http, CancellationToken ct)
    {
        var keys = (body.Resources ?? []).Select(r => new ResourceKey(r.Kind ?? "", r.Provider ?? "", r.ExternalId ?? "")).ToList();
        try
        {
            var run = await cleanup.StartAsync(keys, http.User.Actor(), TriggerKind.Api, ct);
            return TypedResults.Accepted($"/api/runs/{run.Id}", run);
        }
        catch (ResourceCleanupRefusedException e)
        {
            return TypedResults.Problem(new ValidationProblemDetails(e.Problems.ToDictionary(p => p.Key, p => new[] { p.Value }))
            {
                Status = 422,
                Title = "The clean-up was refused",
                Detail = $"{e.Problems.Count} item(s) cannot be cleaned up; nothing was started.",
            });
        }
    }

    /// <summary>The body of <c>POST /api/resources/cleanup</c> and <c>/check</c> (optional there: without resources, every live row is checked).</summary>
    /// <param name="Resources">The resources to delete, each named by kind, provider and external id as the ledger lists them.</param>
    public sealed record CleanupBody(IReadOnlyList<CleanupItem>? Resources);

    /// <summary>One resource to delete.</summary>
    /// <param name="Kind">Its kind, e.g. <c>nova.server</c>.</param>
    /// <param name="Provider">Its provider (cloud, endpoint, cluster).</param>
    /// <param name="ExternalId">Its id there.</param>
    public sealed record CleanupItem(string? Kind, string? Provider, string? ExternalId);
}
