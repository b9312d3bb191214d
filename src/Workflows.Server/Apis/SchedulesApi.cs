using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Server.Auth;
using Workflows.Server.Triggers;

namespace Workflows.Server.Apis;

/// <summary>Schedules declared in definitions: list with next fire times, pause, resume, run now.</summary>
public static class SchedulesApi
{
    /// <summary>Maps <c>/api/schedules</c>.</summary>
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/schedules").WithTags("Schedules").RequireAuthorization(Roles.CanRead);
        read.MapGet("/", ListAsync).WithName("ListSchedules").WithSummary("Lists schedules with their next fire times, pause state and last fire.");
        read.MapGet("/{workflow}/{name}", GetAsync).WithName("GetSchedule").WithSummary("Gets one schedule.");

        var admin = app.MapGroup("/api/schedules").WithTags("Schedules").RequireAuthorization(Roles.CanAdminister);
        admin.MapPost("/{workflow}/{name}/pause", (string workflow, string name, ScheduleManager m, TriggerStore s, TimeProvider c, HttpContext h, CancellationToken ct) => PauseAsync(workflow, name, true, m, s, c, h, ct))
            .WithName("PauseSchedule").WithSummary("Pauses a schedule: its recurring job is removed until it is resumed.");
        admin.MapPost("/{workflow}/{name}/resume", (string workflow, string name, ScheduleManager m, TriggerStore s, TimeProvider c, HttpContext h, CancellationToken ct) => PauseAsync(workflow, name, false, m, s, c, h, ct))
            .WithName("ResumeSchedule").WithSummary("Resumes a paused schedule.");

        admin.MapPost("/", CreateAsync).WithName("CreateSchedule").WithSummary("Creates a schedule for a workflow (API-defined; definition schedules are edited in their file).");
        admin.MapPut("/{workflow}/{name}", UpdateAsync).WithName("UpdateSchedule").WithSummary("Replaces the cron, time zone, overlap and inputs of an API-defined schedule.");
        admin.MapDelete("/{workflow}/{name}", DeleteAsync).WithName("DeleteSchedule").WithSummary("Deletes an API-defined schedule and its recurring job.");

        app.MapPost("/api/schedules/{workflow}/{name}/run", RunNowAsync).WithTags("Schedules").RequireAuthorization(Roles.CanOperate)
            .WithName("RunScheduleNow").WithSummary("Fires a schedule now (even when paused); the overlap policy still applies.");

        if (app.ServiceProvider.GetService<TriggerEndpoints>() is { } marker)
        {
            marker.SchedulesMapped = true;
        }

        return app;
    }

    private static async Task<Ok<IReadOnlyList<ScheduleView>>> ListAsync(ScheduleManager manager, TriggerStore store, TimeProvider clock, CancellationToken ct)
    {
        var states = await store.ListScheduleStatesAsync(ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok<IReadOnlyList<ScheduleView>>((await manager.ListAsync(ct)).Select(s => ScheduleView.From(manager.Masked(s), states.GetValueOrDefault(s.Id), now)).ToList());
    }

    private static async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> GetAsync(string workflow, string name, ScheduleManager manager, TriggerStore store, TimeProvider clock, CancellationToken ct)
    {
        if (await manager.FindAsync(workflow, name, ct) is not { } s)
        {
            return TypedResults.Problem(Problems.NotFound($"Workflow '{workflow}' declares no schedule '{name}'."));
        }

        return TypedResults.Ok(ScheduleView.From(manager.Masked(s), await store.GetScheduleStateAsync(s.Id, ct), clock.GetUtcNow()));
    }

    private static async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> PauseAsync(string workflow, string name, bool paused, ScheduleManager manager, TriggerStore store, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (await manager.FindAsync(workflow, name, ct) is not { } s)
        {
            return TypedResults.Problem(Problems.NotFound($"Workflow '{workflow}' declares no schedule '{name}'."));
        }

        await manager.SetPausedAsync(s, paused, http.User.Actor(), ct);
        return TypedResults.Ok(ScheduleView.From(manager.Masked(s), await store.GetScheduleStateAsync(s.Id, ct), clock.GetUtcNow()));
    }

    private static async Task<IResult> CreateAsync(ScheduleBody body, ScheduleManager manager, TriggerStore store, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var s = body.ToInfo(body.Workflow ?? "", body.Name ?? "");
        var errors = manager.Validate(s);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await manager.SaveAsync(s, http.User.Actor(), create: true, ct))
        {
            return TypedResults.Problem(statusCode: 409, title: "Schedule exists", detail: $"Workflow '{s.Workflow}' already has a schedule '{s.Name}'; PUT to change it.");
        }

        var saved = (await manager.FindAsync(s.Workflow, s.Name, ct))!;
        return TypedResults.Created($"/api/schedules/{s.Workflow}/{s.Name}", ScheduleView.From(manager.Masked(saved), await store.GetScheduleStateAsync(s.Id, ct), clock.GetUtcNow()));
    }

    private static async Task<IResult> UpdateAsync(string workflow, string name, ScheduleBody body, ScheduleManager manager, TriggerStore store, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (await manager.FindAsync(workflow, name, ct) is not { } existing)
        {
            return TypedResults.Problem(Problems.NotFound($"Workflow '{workflow}' has no schedule '{name}'."));
        }

        if (existing.Origin != ScheduleInfo.ApiOrigin)
        {
            return TypedResults.Problem(statusCode: 409, title: "Declared in a definition", detail: $"Schedule '{name}' is declared in {existing.Source}; edit the file instead.");
        }

        var s = await manager.WithStoredSecretsAsync(body.ToInfo(workflow, name), keepMissing: false, ct);
        var errors = manager.Validate(s);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await manager.SaveAsync(s, http.User.Actor(), create: false, ct);
        var saved = (await manager.FindAsync(workflow, name, ct))!;
        return TypedResults.Ok(ScheduleView.From(manager.Masked(saved), await store.GetScheduleStateAsync(s.Id, ct), clock.GetUtcNow()));
    }

    private static async Task<IResult> DeleteAsync(string workflow, string name, ScheduleManager manager, HttpContext http, CancellationToken ct)
    {
        if (await manager.FindAsync(workflow, name, ct) is not { } existing)
        {
            return TypedResults.Problem(Problems.NotFound($"Workflow '{workflow}' has no schedule '{name}'."));
        }

        if (existing.Origin != ScheduleInfo.ApiOrigin)
        {
            return TypedResults.Problem(statusCode: 409, title: "Declared in a definition", detail: $"Schedule '{name}' is declared in {existing.Source}; remove it from the file instead.");
        }

        await manager.DeleteAsync(existing, http.User.Actor(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RunNowAsync(string workflow, string name, ScheduleManager manager, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (await manager.FindAsync(workflow, name, ct) is null)
        {
            return TypedResults.Problem(Problems.NotFound($"Workflow '{workflow}' declares no schedule '{name}'."));
        }

        var result = await manager.FireAsync(workflow, name, clock.GetUtcNow(), http.User.Actor(), ct);
        return result.Outcome switch
        {
            "started" => TypedResults.Accepted($"/api/runs/{result.RunId}", result),
            "skipped" => TypedResults.Conflict(result),
            _ when result.Errors is { } errors => TypedResults.Problem(new ValidationProblemDetails(errors.ToDictionary()) { Status = 422, Title = "Invalid schedule inputs", Detail = result.Message }),
            _ => TypedResults.Problem(statusCode: 422, title: "The schedule could not start a run", detail: result.Message),
        };
    }
}

/// <summary>The body of CreateSchedule and UpdateSchedule.</summary>
/// <param name="Workflow">The workflow (create only).</param>
/// <param name="Name">The schedule's name (create only).</param>
/// <param name="Cron">The cron expression: 5 fields, or 6 with seconds first.</param>
/// <param name="TimeZone">The IANA time zone. Default is UTC.</param>
/// <param name="Overlap">skip, queue or allow. Default is skip.</param>
/// <param name="Inputs">The inputs (templates may use schedule.name, schedule.workflow, schedule.time).</param>
public sealed record ScheduleBody(string? Workflow, string? Name, string Cron, string? TimeZone, string? Overlap, JsonObject? Inputs)
{
    /// <summary>Builds the schedule.</summary>
    public ScheduleInfo ToInfo(string workflow, string name) =>
        new(workflow, name, Cron ?? "", string.IsNullOrWhiteSpace(TimeZone) ? "UTC" : TimeZone, string.IsNullOrWhiteSpace(Overlap) ? "skip" : Overlap, Inputs ?? [], "api", ScheduleInfo.ApiOrigin);
}

/// <summary>A schedule as listed by the API.</summary>
/// <param name="Id">The recurring job id (<c>schedule:&lt;workflow&gt;:&lt;name&gt;</c>).</param>
/// <param name="Workflow">The workflow.</param>
/// <param name="Name">The schedule's name (the trigger actor of its runs).</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="Description">The cron expression in plain language, e.g. "at 03:00 on Monday–Friday" (the expression itself when it cannot be said well).</param>
/// <param name="TimeZone">The time zone.</param>
/// <param name="Overlap">skip, queue or allow.</param>
/// <param name="Inputs">The inputs it passes.</param>
/// <param name="Source">The definition file, or api.</param>
/// <param name="Origin">definition or api (only api schedules can be edited or deleted through the API).</param>
/// <param name="Paused">Whether it is paused.</param>
/// <param name="NextFires">The next three fire times (none while paused).</param>
/// <param name="State">Who paused it, and the last fire.</param>
/// <param name="Author">For an API schedule, who created and last changed it, and when (null for definition schedules).</param>
public sealed record ScheduleView(string Id, string Workflow, string Name, string Cron, string Description, string TimeZone, string Overlap, JsonObject Inputs, string Source, string Origin, bool Paused, IReadOnlyList<DateTimeOffset> NextFires, ScheduleState? State, ScheduleAuthor? Author)
{
    /// <summary>Builds the view.</summary>
    public static ScheduleView From(ScheduleInfo s, ScheduleState? state, DateTimeOffset now)
    {
        var paused = state?.Paused ?? false;
        return new(s.Id, s.Workflow, s.Name, s.Cron, s.Description, s.TimeZone, s.Overlap, (JsonObject)s.Inputs.DeepClone(), s.Source, s.Origin, paused, paused ? [] : s.NextFires(now, 3), state, s.Author);
    }
}
