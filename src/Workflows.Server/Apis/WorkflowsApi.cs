using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Server.Auth;
using Workflows.Web.Components.Triggers;

namespace Workflows.Server.Apis;

/// <summary>Workflow definitions, registered actions, and starting runs.</summary>
public static class WorkflowsApi
{
    /// <summary>Maps <c>/api/workflows</c> and <c>/api/actions</c>.</summary>
    public static IEndpointRouteBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workflows").WithTags("Workflows").RequireAuthorization(Roles.CanRead);
        group.MapGet("/", List).WithName("ListWorkflows").WithSummary("Lists the active workflow definitions.");
        group.MapGet("/errors", Errors).WithName("ListDefinitionErrors").WithSummary("Lists definition files that failed to load, with line, column and field.");
        group.MapGet("/{name}", GetAsync).WithName("GetWorkflow")
            .WithSummary("Gets one workflow's active definition: inputs (type, required, default, values, pattern and its hint, secret), steps (action, needs, if, retry, timeout, compensation, approval policy), the schedules and webhooks that start it (next fires, URL), and the load errors of its file.")
            .ProducesProblem(404);
        group.MapGet("/{name}/versions", VersionsAsync).WithName("ListWorkflowVersions")
            .WithSummary("Lists every stored version of a workflow, newest first: content hash, file, when it was first loaded, how many runs used it, and which one is active.")
            .ProducesProblem(404);
        group.MapGet("/{name}/versions/{version}", VersionAsync).WithName("GetWorkflowVersion")
            .WithSummary("Gets one stored version of a workflow with its YAML source, exactly as it was loaded.")
            .ProducesProblem(404);
        group.MapPost("/{name}/runs", StartAsync).RequireAuthorization(Roles.CanOperate).WithName("StartRun")
            .WithSummary("Starts a run; answers 202 with the run and its Location (with an Idempotency-Key header, a repeat answers the same run), or 422 when the server lacks what the workflow requires (e.g. a Docker engine).")
            .ProducesProblem(403).ProducesProblem(409).ProducesProblem(422).ProducesProblem(503);
        group.MapPost("/{name}/plan", PlanAsync).RequireAuthorization(Roles.CanOperate).WithName("PlanRun")
            .WithSummary("Plans a run with the same body as StartRun, touching nothing (read-only calls only): each step in DAG order with what it would create, adopt, change or delete, its checks and problems. JSON, or with Accept: text/plain a terminal rendering like terraform plan.")
            .Produces<WorkflowPlan>(200).Produces<string>(200, "text/plain").ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        app.MapGet("/api/actions", (IWorkflowCatalog catalog) => TypedResults.Ok(catalog.Actions.Select(a => new ActionDto(a.Name, a.Description, Props(a.InputType), Props(a.OutputType)))))
            .WithTags("Workflows").RequireAuthorization(Roles.CanRead).WithName("ListActions").WithSummary("Lists registered step actions with their input and output names.");
        return app;
    }

    private static Ok<List<WorkflowDto>> List(IWorkflowCatalog catalog) => TypedResults.Ok(catalog.List().Select(ToDto).ToList());

    private static Ok<IReadOnlyList<DefinitionError>> Errors(IWorkflowCatalog catalog) => TypedResults.Ok(catalog.Errors);

    private static async Task<Results<Ok<WorkflowDto>, ProblemHttpResult>> GetAsync(string name, IWorkflowCatalog catalog, ITriggerPortal triggers, CancellationToken ct)
    {
        if (catalog.Get(name) is not { } d)
        {
            return TypedResults.Problem(Problems.NotFound(UnknownWorkflow(catalog, name)));
        }

        var schedules = (await triggers.ListSchedulesAsync(ct)).Where(s => s.Workflow == name)
            .Select(s => new TriggerDto("schedule", s.Name, s.Cron, s.TimeZone, s.Overlap, s.Paused, s.NextFires, null, null));
        var hooks = (await triggers.ListHooksAsync(ct)).Where(h => h.Workflow == name)
            .Select(h => new TriggerDto("webhook", h.Name, null, null, null, null, null, h.Url, h.Provider));
        return TypedResults.Ok(ToDto(d) with { Triggers = schedules.Concat(hooks).ToList(), Errors = catalog.ErrorsOf(name) });
    }

    private static async Task<Results<Ok<List<WorkflowVersionDto>>, ProblemHttpResult>> VersionsAsync(string name, IWorkflowCatalog catalog, IWorkflowVersions versions, CancellationToken ct)
    {
        var list = await versions.ListAsync(name, ct);
        if (list.Count == 0 && catalog.Get(name) is null)
        {
            return TypedResults.Problem(Problems.NotFound(UnknownWorkflow(catalog, name)));
        }

        var active = catalog.Get(name)?.Version;
        return TypedResults.Ok(list.Select(v => new WorkflowVersionDto(v.Version, v.File, v.FirstLoadedAt, v.Runs, v.Version == active)).ToList());
    }

    private static async Task<Results<Ok<WorkflowVersionSourceDto>, ProblemHttpResult>> VersionAsync(string name, string version, IWorkflowCatalog catalog, IWorkflowVersions versions, CancellationToken ct)
    {
        if (await versions.GetAsync(name, version, ct) is not { } v)
        {
            return TypedResults.Problem(Problems.NotFound(catalog.Get(name) is null && (await versions.ListAsync(name, ct)).Count == 0
                ? UnknownWorkflow(catalog, name)
                : $"Workflow '{name}' has no version '{version}'. GET /api/workflows/{name}/versions lists its versions."));
        }

        var dto = new WorkflowVersionDto(v.Version.Version, v.Version.File, v.Version.FirstLoadedAt, v.Version.Runs, v.Version.Version == catalog.Get(name)?.Version);
        return TypedResults.Ok(new WorkflowVersionSourceDto(dto, v.Text));
    }

    private static string UnknownWorkflow(IWorkflowCatalog catalog, string name) =>
        catalog.ErrorsOf(name).Count > 0
            ? $"Workflow '{name}' has no active version: its file failed to load (GET /api/workflows/errors says where)."
            : $"Workflow '{name}' does not exist.";

    private static async Task<Results<Accepted<RunSummary>, ValidationProblem, ProblemHttpResult>> StartAsync(
        string name, [FromBody] StartRunBody? body, IRunCommands commands, IWorkflowCatalog catalog, HttpContext http, CancellationToken ct)
    {
        if (NotAllowed(catalog, name, http.User, "run") is { } refused)
        {
            return TypedResults.Problem(refused);
        }

        if (!TryReadIdempotencyKey(http.Request, out var key, out var keyError))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["Idempotency-Key"] = [keyError] }, detail: $"Idempotency-Key {keyError}.");
        }

        var inputs = body?.Inputs ?? [];
        var request = new StartRunRequest(name, inputs.ToDictionary(kv => kv.Key, kv => kv.Value), new TriggerInfo(TriggerKind.Api, http.User.Actor()))
        {
            IdempotencyKey = key,
            Plan = body?.Plan == true,
            OverridePlanErrors = body?.OverridePlanErrors == true,
        };
        RunSummary run;
        try
        {
            // Planned before anything is started (always for plan: required): the plan on record is what the run's
            // world looked like before it began. A replayed idempotent start answers the first run and its plan.
            run = await commands.StartAsync(request, ct);
        }
        catch (PlanHasErrorsException e)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Status = 422,
                Title = "The plan has errors",
                Detail = $"The plan of {name} has {e.Plan.Summary.Errors} error(s); nothing was started. Fix them, or start with \"overridePlanErrors\": true to start anyway (recorded in the run's audit).",
                Extensions = { ["plan"] = e.Plan, ["errors"] = e.Errors },
            });
        }

        return TypedResults.Accepted($"/api/runs/{run.Id}", run);
    }

    private static async Task<IResult> PlanAsync(string name, [FromBody] StartRunBody? body, IWorkflowPlanner planner, IWorkflowCatalog catalog, HttpContext http, CancellationToken ct)
    {
        // A plan reads the cloud with the server's credentials: whoever may not run the workflow may not plan it either.
        if (NotAllowed(catalog, name, http.User, "plan") is { } refused)
        {
            return TypedResults.Problem(refused);
        }

        var inputs = body?.Inputs ?? [];
        var plan = await planner.PlanAsync(new PlanRequest(name, inputs.ToDictionary(kv => kv.Key, kv => kv.Value), http.User.Actor()), ct);
        return WantsText(http.Request)
            ? TypedResults.Text(PlanText.Render(plan), "text/plain; charset=utf-8")
            : TypedResults.Ok(plan);
    }

    // The 403 of a workflow whose definition restricts who may run it (its permissions), or null when the caller may.
    private static ProblemDetails? NotAllowed(IWorkflowCatalog catalog, string name, ClaimsPrincipal user, string verb) =>
        catalog.Get(name) is { } definition && definition.Permissions.WhyNotAllowedToRun(user, name) is { } why
            ? new ProblemDetails { Status = 403, Title = $"Not allowed to {verb} this workflow", Detail = why, Extensions = { ["allowedGroups"] = definition.Permissions.Run } }
            : null;

    // text/plain when the client prefers it to JSON (curl -H 'Accept: text/plain'); JSON otherwise.
    internal static bool WantsText(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        var text = accept.Where(a => a.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(-1).Max();
        var json = accept.Where(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("*/*", StringComparison.Ordinal)).Select(a => a.Quality ?? 1).DefaultIfEmpty(-1).Max();
        return text > 0 && text >= json;
    }

    /// <summary>
    /// Reads the <c>Idempotency-Key</c> header: a structured-field string (<c>"…"</c>, as the IETF draft defines it) or,
    /// leniently, a bare token as many clients send it.
    /// </summary>
    internal static bool TryReadIdempotencyKey(HttpRequest request, out string? key, out string error)
    {
        key = null;
        error = "";
        var values = request.Headers["Idempotency-Key"];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1)
        {
            error = "must be sent once";
            return false;
        }

        var raw = values[0]!.Trim();
        if (raw.StartsWith('"') && (raw.Length < 2 || !raw.EndsWith('"')))
        {
            error = "is not a valid structured-field string (no closing quote)";
            return false;
        }

        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
        {
            var sb = new System.Text.StringBuilder();
            for (var i = 1; i < raw.Length - 1; i++)
            {
                if (raw[i] == '\\' && i + 1 < raw.Length - 1 && raw[i + 1] is '"' or '\\')
                {
                    i++;
                }
                else if (raw[i] is '"' or '\\')
                {
                    error = "is not a valid structured-field string (an unescaped quote or backslash)";
                    return false;
                }

                sb.Append(raw[i]);
            }

            raw = sb.ToString();
        }

        if (raw.Length is 0 or > 255 || raw.Any(ch => ch is < ' ' or > '~'))
        {
            error = "must be 1 to 255 printable ASCII characters, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\"";
            return false;
        }

        key = raw;
        return true;
    }

    private static WorkflowDto ToDto(WorkflowDefinition d) => new(
        d.Name,
        d.Description,
        d.Version,
        d.Source,
        d.Inputs.Select(i => new InputDto(i.Name, i.Type.ToString().ToLowerInvariant(), i.Required, i.Default, i.Pattern, i.Description, i.Values, InputRules.MaxLengthOf(i), i.PatternHint, i.IsSecret)).ToList(),
        d.Concurrency,
        d.OnFailure.ToString().ToLowerInvariant(),
        d.Steps.Select(s => new StepDto(s.Id, s.Name, s.Uses, s.Needs, s.If, s.Retry.MaxAttempts, s.Timeout, s.Compensate?.Uses, s.Retry, s.Compensate?.Timeout, s.Approval?.Describe())).ToList(),
        d.Triggers.Select(t => new TriggerDto(t.Kind.ToString().ToLowerInvariant(), t.Name, t.Cron, t.TimeZone, t.Overlap)).ToList(),
        d.Requires.Keys.ToList(),
        new PermissionsDto(d.Permissions.Run));

    private static IReadOnlyList<string> Props(Type? t) =>
        t is null ? [] : t.GetProperties().Select(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToList();
}

/// <summary>The body of StartRun.</summary>
/// <param name="Inputs">Input values by name.</param>
/// <param name="Inputs">The run's inputs by name.</param>
/// <param name="Plan">Whether the run is planned first (as <c>POST …/plan</c> would) and the plan kept with it
/// (<c>GET /api/runs/{id}/plan</c>) and summarized in its audit. Default is false; a definition with <c>plan: required</c>
/// is planned whatever this says.</param>
/// <param name="OverridePlanErrors">Whether a run whose plan has errors is started anyway (the audit says so). Default is
/// false: such a start is refused with 422 and the plan.</param>
public sealed record StartRunBody(Dictionary<string, JsonNode?>? Inputs, bool? Plan = null, bool? OverridePlanErrors = null);

/// <summary>A workflow definition.</summary>
/// <param name="Requires">What the server must have for a run to start (<c>requires:</c>), e.g. <c>docker</c>.</param>
/// <param name="Permissions">Who may run it beyond the roles (<c>permissions:</c>).</param>
/// <param name="Errors">The load errors of its file (only in GetWorkflow): a broken edit, with the version shown here still active.</param>
public sealed record WorkflowDto(string Name, string Description, string Version, string Source, IReadOnlyList<InputDto> Inputs, string? Concurrency, string OnFailure, IReadOnlyList<StepDto> Steps, IReadOnlyList<TriggerDto> Triggers, IReadOnlyList<string> Requires, PermissionsDto Permissions, IReadOnlyList<DefinitionError>? Errors = null);

/// <summary>A stored version of a workflow.</summary>
/// <param name="Version">The content hash.</param>
/// <param name="File">The file it was loaded from.</param>
/// <param name="FirstLoadedAt">When it was first loaded.</param>
/// <param name="Runs">How many (kept) runs were started on it.</param>
/// <param name="Active">Whether it is the version new runs start on.</param>
public sealed record WorkflowVersionDto(string Version, string File, DateTimeOffset FirstLoadedAt, long Runs, bool Active);

/// <summary>A stored version of a workflow with its YAML source.</summary>
public sealed record WorkflowVersionSourceDto(WorkflowVersionDto Version, string Source);

/// <summary>Who may run a workflow.</summary>
/// <param name="Run">The groups whose members may run it (admins always may); empty for every operator.</param>
public sealed record PermissionsDto(IReadOnlyList<string> Run);

/// <summary>An input of a workflow.</summary>
/// <param name="PatternHint">What <paramref name="Pattern"/> asks for in words (<c>patternHint:</c>), or null.</param>
/// <param name="Secret">Whether the value is secret (encrypted at rest, masked everywhere).</param>
public sealed record InputDto(string Name, string Type, bool Required, JsonNode? Default, string? Pattern, string? Description, IReadOnlyList<string> Values, int MaxLength, string? PatternHint = null, bool Secret = false);

/// <summary>A step of a workflow.</summary>
/// <param name="Retry">The retry policy (attempts, backoff, delays, jitter, non-retryable codes).</param>
/// <param name="CompensateTimeout">The compensation's deadline, or null.</param>
/// <param name="Approval">The approval policy in words, for a <c>core.approval</c> step; else null.</param>
public sealed record StepDto(string Id, string? Name, string Uses, IReadOnlyList<string> Needs, string? If, int MaxAttempts, TimeSpan? Timeout, string? Compensate, RetryPolicy? Retry = null, TimeSpan? CompensateTimeout = null, string? Approval = null);

/// <summary>A trigger of a workflow: a schedule or a webhook (declared in its file, or, in GetWorkflow, also made through the API).</summary>
/// <param name="Overlap">A schedule's overlap policy.</param>
/// <param name="Paused">Whether a schedule is paused (GetWorkflow only).</param>
/// <param name="NextFires">A schedule's next fire times (GetWorkflow only; none while paused).</param>
/// <param name="Url">A webhook's path on this server, e.g. <c>/hooks/deploy</c> (GetWorkflow only).</param>
/// <param name="Provider">A webhook's signature scheme: github, gitlab or generic (GetWorkflow only).</param>
public sealed record TriggerDto(string Kind, string? Name, string? Cron, string? TimeZone, string? Overlap = null, bool? Paused = null, IReadOnlyList<DateTimeOffset>? NextFires = null, string? Url = null, string? Provider = null);

/// <summary>A registered action.</summary>
public sealed record ActionDto(string Name, string? Description, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
