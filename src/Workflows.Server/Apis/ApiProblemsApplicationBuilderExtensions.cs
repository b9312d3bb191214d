using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Workflows.Server.Apis;

/// <summary>Adds the API's error answers to the pipeline.</summary>
public static partial class ApiProblemsApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the exception handler, problem details for error answers without a body under <c>/api</c> (404 for an
    /// unknown path or a run id that is not a GUID, 401, 403, 405…), and the API's body size limit (413).
    /// </summary>
    public static WebApplication UseApiProblems(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteStatusProblemAsync);
        app.Use(LimitBodyAsync);
        return app;
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static async Task WriteStatusProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (!IsApi(http.Request))
        {
            return;
        }

        var status = http.Response.StatusCode;
        var path = http.Request.Path.Value ?? "";
        var detail = status switch
        {
            404 when RunPath().Match(path) is { Success: true } m && !Guid.TryParse(m.Groups["id"].Value, out _) =>
                $"{Problems.Echo(m.Groups["id"].Value)} is not a run id: run ids are GUIDs such as 0b6f2a4e-8d1c-4f4b-9d53-2f0e7f1c9a10.",
            404 => $"There is no endpoint {http.Request.Method} {Problems.Echo(path)}.",
            405 => $"{http.Request.Method} is not allowed on {Problems.Echo(path)}.",
            401 when http.Request.Headers.Authorization.Count > 0 => "The credentials are not valid: the API token is unknown or expired.",
            401 => "Authentication is required: send Authorization: Bearer <API token>, or sign in to the portal.",
            403 => "Your role does not allow this request.",
            415 => Problems.UnsupportedMediaType(http.Request.ContentType),
            _ => null,
        };
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = ReasonPhrases.GetReasonPhrase(status), Detail = detail },
        });
    }

    private static async Task LimitBodyAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!IsApi(request) || !(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)))
        {
            await next(http);
            return;
        }

        var max = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxBodyBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = Math.Max(max, limit.MaxRequestBodySize ?? 0);
        }

        if (request.ContentLength > max)
        {
            await TooLargeAsync(http, max);
            return;
        }

        if (request.ContentLength is null)
        {
            // A chunked body: read it here, so that one over the limit is a 413 document rather than a reset connection.
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int n;
            while ((n = await request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (buffer.Length + n > max)
                {
                    await TooLargeAsync(http, max);
                    return;
                }

                buffer.Write(chunk, 0, n);
            }

            buffer.Position = 0;
            request.Body = buffer;
            http.Response.RegisterForDispose(buffer);
        }

        await next(http);
    }

    private static async Task TooLargeAsync(HttpContext http, long max)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = 413,
                Title = "Request body too large",
                Detail = $"The body is larger than the API's limit of {max} bytes (Api:MaxBodyBytes).",
            },
        });
    }

    [GeneratedRegex("^/api/runs/(?<id>[^/]+)", RegexOptions.IgnoreCase)]
    private static partial Regex RunPath();
}
