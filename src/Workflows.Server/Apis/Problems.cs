using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Runs;

namespace Workflows.Server.Apis;

/// <summary>Turns the engine's exceptions into RFC 9457 problem details that name the field.</summary>
public sealed class Problems(IProblemDetailsService problems, ILogger<Problems> logger) : IExceptionHandler
{
    /// <summary>A 404 problem.</summary>
    public static ProblemDetails NotFound(string detail) => new() { Status = 404, Title = "Not found", Detail = detail };

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? details = exception switch
        {
            InputValidationException v => new ValidationProblemDetails(v.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
            {
                Status = 400,
                Title = "Invalid input",
                Detail = v.Message,
            },
            RequirementNotMetException r => new ProblemDetails
            {
                Status = 422,
                Title = "The server lacks something this workflow requires",
                Detail = r.Message,
                Extensions = { ["requirement"] = r.Requirement },
            },
            WorkflowNotFoundException or RunNotFoundException => NotFound(exception.Message),
            RunStateException => new ProblemDetails { Status = 409, Title = "Conflict with the run's state", Detail = exception.Message },
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message },
            System.Text.Json.JsonException j => new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = j.Message },
            _ => null,
        };
        if (details is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        httpContext.Response.StatusCode = details.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }
}
