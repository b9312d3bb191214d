using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Server.Auth;

namespace Workflows.Server.Apis;

/// <summary>Runs: list, detail, audit, logs, resources, and the operator commands.</summary>
public static class RunsApi
{
    /// <summary>Maps <c>/api/runs</c> and <c>/api/resources</c>.</summary>
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization(Roles.CanRead);
        read.MapGet("/", ListAsync).WithName("ListRuns").WithSummary("Lists runs, newest first, with filters, paging and q: an id prefix or text found in the workflow, actor, error, failed step or input values.");
        read.MapGet("/{id:guid}", GetAsync).WithName("GetRun").WithSummary("Gets a run with its steps and every attempt.");
        read.MapGet("/{id:guid}/audit", AuditAsync).WithName("GetRunAudit").WithSummary("Gets the run's audit events after an id.");
        read.MapGet("/{id:guid}/logs", LogsAsync).WithName("GetRunLogs").WithSummary("Gets log chunks after a sequence number; poll with ?after=<next> to follow.");
        read.MapGet("/{id:guid}/logs.txt", LogTextAsync).WithName("DownloadRunLog").WithSummary("Downloads the whole log as text, as an attachment named <workflow>-<short id>-logs.txt: each line with its UTC time and step, and a separator where a try or the compensation begins.");
        read.MapGet("/{id:guid}/plan", PlanAsync).WithName("GetRunPlan").WithSummary("Gets the plan the run was started with (JSON, or text with Accept: text/plain).");
        read.MapGet("/{id:guid}/resources", RunResourcesAsync).WithName("GetRunResources").WithSummary("Lists the resources the run created.");

        var write = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization(Roles.CanOperate);
        write.MapPost("/bulk", BulkAsync).WithName("BulkRuns")
            .WithSummary("Cancels, retries, approves or rejects many runs, by ids or by the runs list's filter; one result per run (Ok, Skipped or Error, with the reason).");
        write.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelRun").WithSummary("Cancels a run; completed steps are compensated in reverse order.");
        write.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryRun").WithSummary("Retries a failed or cancelled run from its failed step, optionally with edited inputs.");
        write.MapPost("/{id:guid}/steps/{stepId}/approve", (Guid id, string stepId, [FromBody] DecisionBody? body, IRunCommands c, HttpContext h, CancellationToken ct) => DecideAsync(id, stepId, true, body, c, h, ct))
            .WithName("ApproveStep").WithSummary("Approves a waiting approval step under its policy (403 with the reason when the caller may not).");
        write.MapPost("/{id:guid}/steps/{stepId}/reject", (Guid id, string stepId, [FromBody] DecisionBody? body, IRunCommands c, HttpContext h, CancellationToken ct) => DecideAsync(id, stepId, false, body, c, h, ct))
            .WithName("RejectStep").WithSummary("Rejects a waiting approval step under its policy (403 with the reason when the caller may not).");

        app.MapGet("/api/resources", ResourcesAsync).WithTags("Resources").RequireAuthorization(Roles.CanRead)
            .WithName("ListResources").WithSummary("Lists the resource ledger across runs; ?orphans=true lists live resources of failed or cancelled runs, ?includeDeleted=true adds the ones that left the ledger, ?deletedReason=Deleted or Gone lists only those deleted by a run or found gone by a check against the cloud.");
        app.MapResourcesApi();
        return app;
    }

    /// <summary>The longest free-text search <c>q</c> accepted.</summary>
    private const int MaxQueryLength = 200;

    private static async Task<Results<Ok<PageOf<RunSummary>>, ValidationProblem>> ListAsync(
        string? status, string? workflow, string? trigger, DateTimeOffset? from, DateTimeOffset? to, string? q, int? page, int? pageSize, IRunQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = ParseFilter(new BulkFilterBody(status, workflow, trigger, from, to, q), errors, "");
        if (page is < 1)
        {
            errors["page"] = ["must be 1 or more"];
        }

        if (pageSize is < 1 or > 500)
        {
            errors["pageSize"] = ["must be between 1 and 500"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.ListAsync(filter with { Page = page ?? 1, PageSize = pageSize ?? 50 }, ct));
    }

    /// <summary>The runs list's filter, one rule for <c>GET /api/runs</c> and <c>POST /api/runs/bulk</c>; errors named <paramref name="prefix"/> + field.</summary>
    /// <summary>Parses one of <typeparamref name="T"/>'s names, in any case; never a number (which <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/> would take).</summary>
    private static bool TryParseName<T>(string value, out T parsed)
        where T : struct, Enum =>
        Enum.TryParse(value, true, out parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _);

    private static RunFilter ParseFilter(BulkFilterBody f, Dictionary<string, string[]> errors, string prefix)
    {
        List<RunStatus>? statuses = null;
        if (!string.IsNullOrEmpty(f.Status))
        {
            statuses = [];
            foreach (var s in f.Status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Enum.TryParse<RunStatus>(s, true, out var rs) && Enum.IsDefined(rs))
                {
                    statuses.Add(rs);
                }
                else
                {
                    errors[prefix + "status"] = [$"'{s}' is not a run status: use {string.Join(", ", Enum.GetNames<RunStatus>())}"];
                }
            }
        }

        TriggerKind? tk = null;
        if (!string.IsNullOrEmpty(f.Trigger))
        {
            if (Enum.TryParse<TriggerKind>(f.Trigger, true, out var t) && Enum.IsDefined(t))
            {
                tk = t;
            }
            else
            {
                errors[prefix + "trigger"] = [$"'{f.Trigger}' is not a trigger kind: use {string.Join(", ", Enum.GetNames<TriggerKind>())}"];
            }
        }

        if (f.Q is { Length: > MaxQueryLength })
        {
            errors[prefix + "q"] = [$"must be at most {MaxQueryLength} characters"];
        }

        return new RunFilter
        {
            Statuses = statuses, Workflow = string.IsNullOrEmpty(f.Workflow) ? null : f.Workflow, TriggerKind = tk, From = f.From, To = f.To,
            Query = string.IsNullOrWhiteSpace(f.Q) ? null : f.Q.Trim(),
        };
    }

    private static async Task<Results<Ok<BulkResult>, ValidationProblem>> BulkAsync([FromBody] BulkBody body, IRunBulkCommands commands, HttpContext http, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        BulkAction action = default;
        if (string.IsNullOrWhiteSpace(body.Action))
        {
            errors["action"] = ["is required: cancel, retry, approve or reject"];
        }
        else if (!TryParseName(body.Action, out action))
        {
            errors["action"] = [$"'{body.Action}' is not a bulk action: use cancel, retry, approve or reject"];
        }

        if ((body.Ids is null) == (body.Filter is null))
        {
            errors["ids"] = ["give either 'ids' (run ids) or 'filter' (as the runs list: status, workflow, trigger, from, to), not both and not neither"];
        }

        var filter = body.Filter is { } f ? ParseFilter(f, errors, "filter.") : null;
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var approver = Approver.From(http.User);
        return TypedResults.Ok(await commands.BulkAsync(new BulkRequest(action, http.User.Actor(), body.Ids, filter, body.Comment) { Roles = approver.Roles, Groups = approver.Groups }, ct));
    }

    private static async Task<Results<Ok<RunDetail>, ProblemHttpResult>> GetAsync(Guid id, IRunQueries queries, CancellationToken ct) =>
        await queries.GetAsync(id, ct) is { } r ? TypedResults.Ok(r) : TypedResults.Problem(Problems.NotFound($"Run {id} does not exist."));

    private static async Task<Results<Ok<IReadOnlyList<AuditEvent>>, ProblemHttpResult>> AuditAsync(Guid id, long? after, IRunQueries queries, CancellationToken ct)
    {
        if (await queries.GetAsync(id, ct) is null)
        {
            return TypedResults.Problem(Problems.NotFound($"Run {id} does not exist."));
        }

        return TypedResults.Ok(await queries.GetAuditAsync(id, after ?? 0, 1000, ct));
    }

    private static async Task<Results<Ok<LogSlice>, ProblemHttpResult>> LogsAsync(Guid id, long? after, string? step, int? max, IRunQueries queries, CancellationToken ct)
    {
        var slice = await queries.GetLogsAsync(id, after ?? 0, step, max ?? 500, ct);
        if (slice.Chunks.Count == 0 && await queries.GetAsync(id, ct) is null)
        {
            return TypedResults.Problem(Problems.NotFound($"Run {id} does not exist."));
        }

        return TypedResults.Ok(slice);
    }

    private static async Task<IResult> LogTextAsync(Guid id, IRunQueries queries, HttpContext http, CancellationToken ct)
    {
        if (await queries.GetAsync(id, ct) is not { } run)
        {
            return TypedResults.Problem(Problems.NotFound($"Run {id} does not exist."));
        }

        var lines = new LogLines();
        long after = 0;
        while (true)
        {
            var slice = await queries.GetLogsAsync(id, after, null, 5000, ct);
            if (slice.Chunks.Count == 0)
            {
                break;
            }

            foreach (var c in slice.Chunks)
            {
                lines.Append(c);
            }

            after = slice.Next;
        }

        // Each line with its time and step, and where a manual retry (a new try) or the compensation begins.
        var retries = new List<DateTimeOffset>();
        long afterEvent = 0;
        while (true)
        {
            var events = await queries.GetAuditAsync(id, afterEvent, 5000, ct);
            if (events.Count == 0)
            {
                break;
            }

            retries.AddRange(events.Where(e => e.Kind == "run.retried").Select(e => e.At));
            afterEvent = events[^1].Id;
        }

        var text = LogLines.Format(lines.Lines, retries);

        // Saved under a name that says what it is, as the portal's button saves it; the name is made of safe characters
        // only, so it is sent quoted as it is (no filename* needed).
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{LogLines.FileName(run.Run.Workflow, id)}\"";
        return TypedResults.Text(text, "text/plain; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<IResult> PlanAsync(Guid id, IRunQueries queries, IRunPlans plans, HttpContext http, CancellationToken ct)
    {
        if (await plans.GetAsync(id, ct) is { } plan)
        {
            return WorkflowsApi.WantsText(http.Request)
                ? TypedResults.Text(PlanText.Render(plan), "text/plain; charset=utf-8")
                : TypedResults.Ok(plan);
        }

        return TypedResults.Problem(await queries.GetAsync(id, ct) is null
            ? Problems.NotFound($"Run {id} does not exist.")
            : Problems.NotFound($"Run {id} was started without a plan (start it with \"plan\": true, or from the portal's Preview)."));
    }

    private static async Task<Ok<IReadOnlyList<ResourceEntry>>> RunResourcesAsync(Guid id, IRunQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetResourcesAsync(new ResourceFilter { RunId = id, IncludeDeleted = true }, ct));

    private static async Task<Results<Ok<IReadOnlyList<ResourceEntry>>, ValidationProblem>> ResourcesAsync(
        string? kind, bool? orphans, bool? includeDeleted, string? deletedReason, IRunQueries queries, CancellationToken ct)
    {
        ResourceDeletedReason? reason = null;
        if (!string.IsNullOrEmpty(deletedReason))
        {
            if (!TryParseName<ResourceDeletedReason>(deletedReason, out var parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["deletedReason"] = [$"{Problems.Echo(deletedReason)} is not why a resource left the ledger: use {string.Join(" or ", Enum.GetNames<ResourceDeletedReason>())}"],
                });
            }

            reason = parsed;
        }

        return TypedResults.Ok(await queries.GetResourcesAsync(
            new ResourceFilter { Kind = kind, OrphansOnly = orphans ?? false, IncludeDeleted = includeDeleted ?? false, DeletedReason = reason }, ct));
    }

    private static async Task<Accepted<RunDetail>> CancelAsync(Guid id, [FromBody] CancelBody? body, IRunCommands commands, IRunQueries queries, HttpContext http, CancellationToken ct)
    {
        await commands.CancelAsync(id, http.User.Actor(), body?.Reason, ct);
        return TypedResults.Accepted($"/api/runs/{id}", (await queries.GetAsync(id, ct))!);
    }

    private static async Task<Accepted<RunSummary>> RetryAsync(Guid id, [FromBody] RetryBody? body, IRunCommands commands, HttpContext http, CancellationToken ct)
    {
        var run = await commands.RetryAsync(id, new RetryRequest(http.User.Actor(), body?.Inputs?.ToDictionary(kv => kv.Key, kv => kv.Value), body?.FromStep), ct);
        return TypedResults.Accepted($"/api/runs/{id}", run);
    }

    private static async Task<Accepted> DecideAsync(Guid id, string stepId, bool approved, DecisionBody? body, IRunCommands commands, HttpContext http, CancellationToken ct)
    {
        var approver = Approver.From(http.User);
        await commands.DecideAsync(id, stepId, new ApprovalDecision(approved, http.User.Actor(), body?.Comment) { Roles = approver.Roles, Groups = approver.Groups }, ct);
        return TypedResults.Accepted($"/api/runs/{id}");
    }
}

/// <summary>The body of CancelRun.</summary>
/// <param name="Reason">Why.</param>
public sealed record CancelBody(string? Reason);

/// <summary>The body of RetryRun.</summary>
/// <param name="FromStep">The step to restart from, or null for the failed ones.</param>
/// <param name="Inputs">Inputs to change.</param>
public sealed record RetryBody(string? FromStep, Dictionary<string, JsonNode?>? Inputs);

/// <summary>The body of BulkRuns.</summary>
/// <param name="Action">cancel, retry, approve or reject.</param>
/// <param name="Ids">The runs; or null with <paramref name="Filter"/>.</param>
/// <param name="Filter">The runs list's filter; or null with <paramref name="Ids"/>.</param>
/// <param name="Comment">A comment for each run's audit and approval decision.</param>
public sealed record BulkBody(string? Action, List<Guid>? Ids, BulkFilterBody? Filter, string? Comment);

/// <summary>The filter of BulkRuns: the query parameters of ListRuns.</summary>
/// <param name="Status">Statuses, comma-separated.</param>
/// <param name="Workflow">A workflow name.</param>
/// <param name="Trigger">A trigger kind.</param>
/// <param name="From">The earliest creation time.</param>
/// <param name="To">The latest creation time.</param>
/// <param name="Q">Free text: an id prefix, or text in the workflow, actor, error, failed step or input values.</param>
public sealed record BulkFilterBody(string? Status, string? Workflow, string? Trigger, DateTimeOffset? From, DateTimeOffset? To, string? Q = null);

/// <summary>The body of ApproveStep and RejectStep.</summary>
/// <param name="Comment">An optional comment.</param>
public sealed record DecisionBody(string? Comment);
