using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Server.Apis;

/// <summary>
/// Turns the engine's exceptions, request binding failures and database outages into RFC 9457 problem details
/// that name the field or the problem. Nothing the client sent is echoed beyond a short prefix.
/// </summary>
public sealed partial class Problems(IProblemDetailsService problems, ILogger<Problems> logger) : IExceptionHandler
{
    /// <summary>How long a client is asked to wait when the database is unavailable.</summary>
    public static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(5);

    private const int MaxEcho = 40;

    /// <summary>A 404 problem.</summary>
    public static ProblemDetails NotFound(string detail) => new() { Status = 404, Title = "Not found", Detail = detail };

    /// <summary>Quotes at most a short prefix of a value the client sent.</summary>
    public static string Echo(string value) =>
        value.Length <= MaxEcho ? $"'{value}'" : $"'{value[..MaxEcho]}…' ({value.Length} characters)";

    /// <summary>The detail of a 415: what to send, and what was sent.</summary>
    public static string UnsupportedMediaType(string? contentType) =>
        $"The body must be JSON: send Content-Type: application/json ({(string.IsNullOrEmpty(contentType) ? "none was sent" : $"got {Echo(contentType)}")}).";

    /// <summary>Builds the problem for an exception, or null when the exception is a bug (a 500).</summary>
    public static ProblemDetails? For(Exception exception, Endpoint? endpoint) => exception switch
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
        IdempotencyKeyReusedException => new ProblemDetails { Status = 422, Title = "Idempotency-Key reused", Detail = exception.Message },
        IdempotencyKeyInProgressException => new ProblemDetails { Status = 409, Title = "Request in progress", Detail = exception.Message },
        WorkflowNotFoundException or RunNotFoundException => NotFound(exception.Message),
        ApprovalNotAllowedException a => new ProblemDetails
        {
            Status = 403,
            Title = "Not allowed to decide this approval",
            Detail = a.Message,
            Extensions = { ["policy"] = a.Policy },
        },
        RunStateException => new ProblemDetails { Status = 409, Title = "Conflict with the run's state", Detail = exception.Message },
        BadHttpRequestException b => ForBadRequest(b, endpoint),
        JsonException j => ForJson(j, endpoint),
        _ when DatabaseFailures.IsUnavailable(exception) => new ProblemDetails
        {
            Status = 503,
            Title = "Database unavailable",
            Detail = $"The server cannot reach its database right now; retry in {DatabaseRetryAfter.TotalSeconds:0} seconds.",
        },
        _ => null,
    };

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The middleware clears the endpoint before calling handlers; its feature keeps the one that failed (for the body's type).
        var details = For(exception, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint());
        if (details is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        if (details.Status == 503)
        {
            // Infrastructure, not a bug: one line without the stack trace is enough.
            logger.LogWarning("Database unavailable on {Method} {Path}: {Type}: {Message}", httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            httpContext.Response.Headers.RetryAfter = DatabaseRetryAfter.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        }

        if (exception is IdempotencyKeyInProgressException)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        httpContext.Response.StatusCode = details.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    private static ProblemDetails ForBadRequest(BadHttpRequestException b, Endpoint? endpoint)
    {
        if (b.InnerException is JsonException j)
        {
            return ForJson(j, endpoint);
        }

        if (b.StatusCode == 413)
        {
            return new ProblemDetails { Status = 413, Title = "Request body too large", Detail = b.Message };
        }

        if (b.StatusCode == 415)
        {
            return new ProblemDetails { Status = 415, Title = "Unsupported media type", Detail = UnsupportedMediaType(MediaTypeMessage().Match(b.Message) is { Success: true } m ? m.Groups["type"].Value : null) };
        }

        if (BindMessage().Match(b.Message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            return Validation($"Parameter '{name}' is invalid.", name, $"{Echo(bind.Groups["value"].Value)} is not {Friendly(bind.Groups["type"].Value)}");
        }

        if (RequiredMessage().Match(b.Message) is { Success: true } required)
        {
            var name = required.Groups["name"].Value;
            return required.Groups["source"].Value == "body"
                ? new ProblemDetails { Status = 400, Title = "Missing body", Detail = "This endpoint needs a JSON body." }
                : Validation($"Parameter '{name}' is required.", name, "is required");
        }

        return new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message };
    }

    private static ProblemDetails ForJson(JsonException j, Endpoint? endpoint)
    {
        var field = FieldOf(j.Path);
        var where = j.LineNumber is { } line ? $" (line {line + 1}, byte {(j.BytePositionInLine ?? 0) + 1})" : "";
        switch (j.InnerException)
        {
            case InvalidOperationException text when text.Message.Contains("UTF-", StringComparison.Ordinal):
                // Invalid UTF-8 or a lone UTF-16 surrogate inside a string or a property name.
                return Validation($"The body holds text that is not valid Unicode{where}.", field, "is not valid text: the body holds invalid UTF-8 or a lone surrogate escape (\\uD800–\\uDFFF)");
            case JsonException reader:
                return new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = $"The body is not valid JSON at {(field.Length == 0 ? "its start" : $"'{field}'")}{where}: {Strip(reader.Message)}" };
        }

        if (!j.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && j.InnerException is not InvalidOperationException)
        {
            return new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = $"The body is not valid JSON{where}: {Strip(j.Message)}" };
        }

        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var expected = bodyType is null ? null : TypeAt(bodyType, j.Path);
        var must = expected is null ? "has the wrong type" : $"must be {Friendly(expected)}";
        return field.Length == 0
            ? new ProblemDetails { Status = 400, Title = "Invalid body", Detail = $"The body {must}." }
            : Validation($"'{field}' {must}.", field, must);
    }

    private static ValidationProblemDetails Validation(string detail, string field, string message) =>
        new(new Dictionary<string, string[]> { [field.Length == 0 ? "body" : field] = [message] }) { Status = 400, Title = "Invalid request", Detail = detail };

    private static string FieldOf(string? path)
    {
        var f = path is null or "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return f.Length <= 100 ? f : f[..100] + "…";
    }

    private static string Strip(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        cut = cut < 0 ? message.IndexOf(" LineNumber: ", StringComparison.Ordinal) : cut;
        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }

    private static Type? TypeAt(Type root, string? path)
    {
        var type = root;
        foreach (var segment in (path ?? "$").Split('.').Skip(1))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }

            var name = segment.Split('[')[0];
            type = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            if (type is null)
            {
                return null;
            }
        }

        return Nullable.GetUnderlyingType(type) ?? type;
    }

    private static string Friendly(Type t) => t switch
    {
        _ when t == typeof(string) => "a string",
        _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "an integer",
        _ when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        _ when t == typeof(bool) => "true or false",
        _ when t == typeof(DateTimeOffset) || t == typeof(DateTime) => "a date-time such as 2026-01-31T12:00:00Z",
        _ when t == typeof(Guid) => "a GUID",
        _ when t.IsEnum => $"one of {string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))}",
        _ when typeof(JsonNode).IsAssignableFrom(t) => "a JSON value",
        _ when typeof(IDictionary).IsAssignableFrom(t) => "a JSON object",
        _ when typeof(IEnumerable).IsAssignableFrom(t) => "a JSON array",
        _ => "a JSON object",
    };

    private static string Friendly(string typeName)
    {
        var t = typeName.TrimEnd('?');
        if (t.StartsWith("Nullable<", StringComparison.Ordinal) && t.EndsWith('>'))
        {
            t = t["Nullable<".Length..^1];
        }

        return t switch
        {
            "DateTimeOffset" or "DateTime" => "a date-time such as 2026-01-31T12:00:00Z",
            "int" or "long" or "Int32" or "Int64" => "an integer",
            "bool" or "Boolean" => "true or false",
            "Guid" => "a GUID",
            "double" or "decimal" => "a number",
            _ => $"a valid {t}",
        };
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[^" ]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindMessage();

    [GeneratedRegex("""^Required parameter "(?<type>[^"]+) (?<name>[^" ]+)" was not provided from (?<source>\w+)""")]
    private static partial Regex RequiredMessage();

    [GeneratedRegex("""media type but got "(?<type>[^"]*)"\.""")]
    private static partial Regex MediaTypeMessage();
}
