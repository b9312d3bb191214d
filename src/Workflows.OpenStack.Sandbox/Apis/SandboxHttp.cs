using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Response helpers producing each service's own JSON and error shapes.</summary>
internal static class SandboxHttp
{
    public static IResult Json(JsonNode node, int status = 200) =>
        Results.Text(node.ToJsonString(), "application/json", null, status);

    public static IResult NoContent() => Results.StatusCode(204);

    /// <summary>Nova: <c>{"itemNotFound": {"code": 404, "message": "…"}}</c>.</summary>
    public static IResult Nova(int status, string message)
    {
        var key = status switch
        {
            400 => "badRequest",
            403 => "forbidden",
            404 => "itemNotFound",
            409 => "conflictingRequest",
            413 or 429 => "overLimit",
            _ => "computeFault",
        };
        return Json(new JsonObject { [key] = new JsonObject { ["code"] = status, ["message"] = message } }, status);
    }

    /// <summary>Neutron: <c>{"NeutronError": {"type": "…", "message": "…", "detail": ""}}</c>.</summary>
    public static IResult Neutron(int status, string type, string message) =>
        Json(new JsonObject { ["NeutronError"] = new JsonObject { ["type"] = type, ["message"] = message, ["detail"] = string.Empty } }, status);

    /// <summary>Magnum: <c>{"errors": [{"request_id": "", "code": "client", "status": 404, "title": "…", "detail": "…", "links": []}]}</c>.</summary>
    public static IResult Magnum(int status, string detail) =>
        Json(
            new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject
                {
                    ["request_id"] = string.Empty,
                    ["code"] = status < 500 ? "client" : "server",
                    ["status"] = status,
                    ["title"] = detail.TrimEnd('.'),
                    ["detail"] = detail,
                    ["links"] = new JsonArray(),
                }),
            },
            status);

    /// <summary>Keystone (and keystonemiddleware in front of every service): <c>{"error": {"code", "message", "title"}}</c>.</summary>
    public static IResult Keystone(int status, string title, string message) =>
        Json(new JsonObject { ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["title"] = title } }, status);

    /// <summary>Glance answers errors as webob HTML pages.</summary>
    public static IResult Glance(int status, string title, string message) =>
        Results.Text(
            $"<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  <h1>{status} {title}</h1>\n  {System.Net.WebUtility.HtmlEncode(message)}<br /><br />\n\n\n\n </body>\n</html>",
            "text/html",
            null,
            status);

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string TimeMicro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public static string TimeOffset(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonObject StringMap(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map)
        {
            o[k] = v;
        }

        return o;
    }

    public static Dictionary<string, string> ReadStringMap(JsonNode? node)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                d[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? string.Empty;
            }
        }

        return d;
    }

    public static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static int? Int(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<int>()
        : o[name] is JsonValue s && s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), CultureInfo.InvariantCulture, out var i) ? i : null;

    public static bool? Bool(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>
    /// Neutron-style filtering: every query parameter (except paging and <c>fields</c>) must equal the
    /// attribute of the same name; repeating a parameter means any of the values.
    /// </summary>
    public static IEnumerable<JsonObject> Filter(IEnumerable<JsonObject> items, IQueryCollection query, params string[] ignored)
    {
        var filters = query
            .Where(q => q.Key is not ("fields" or "limit" or "marker" or "sort_key" or "sort_dir" or "page_reverse") && !ignored.Contains(q.Key))
            .ToList();
        return items.Where(item => filters.All(f => item.TryGetPropertyValue(f.Key, out var v) && f.Value.Any(want => ValueEquals(v, want))));
    }

    private static bool ValueEquals(JsonNode? value, string? want) => value switch
    {
        null => string.IsNullOrEmpty(want) || want == "None",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False =>
            bool.TryParse(want, out var b) && b == v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() == want,
        JsonArray a => a.Any(x => ValueEquals(x, want)),
        _ => value.ToJsonString() == want,
    };

    public static JsonArray ToArray(IEnumerable<JsonNode?> items) => new([.. items]);
}
