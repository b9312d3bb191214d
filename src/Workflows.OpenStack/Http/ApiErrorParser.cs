using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Workflows.OpenStack.Http;

/// <summary>Turns an OpenStack error response into a typed <see cref="OpenStackException"/>.</summary>
public static partial class ApiErrorParser
{
    /// <summary>
    /// Extracts the API's message and error type from an error body: Nova
    /// <c>{"badRequest": {"code", "message"}}</c>, Neutron <c>{"NeutronError": {"type", "message", "detail"}}</c>,
    /// Magnum <c>{"errors": [{"title", "detail", "status"}]}</c>, Keystone <c>{"error": {"code", "title", "message"}}</c>,
    /// plain <c>{"message"}</c> or <c>{"faultstring"}</c>, and Glance's HTML pages.
    /// </summary>
    public static (string? Message, string? Type) Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (Trim(body), null);
            }

            if (root.TryGetProperty("NeutronError", out var neutron))
            {
                return neutron.ValueKind == JsonValueKind.Object
                    ? (Text(neutron, "message"), Text(neutron, "type"))
                    : (neutron.ToString(), null);
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                return (Text(first, "detail") ?? Text(first, "title"), Text(first, "code"));
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                return (Text(error, "message"), Text(error, "title"));
            }

            if (Text(root, "message") is { } message)
            {
                return (message, Text(root, "type"));
            }

            if (Text(root, "faultstring") is { } fault)
            {
                return (fault, null);
            }

            // Nova: a single key naming the fault, e.g. {"itemNotFound": {"code": 404, "message": "…"}}.
            foreach (var property in root.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object && Text(property.Value, "message") is { } m)
                {
                    return (m, property.Name);
                }
            }

            return (Trim(body), null);
        }
        catch (JsonException)
        {
            var h1 = body.IndexOf("</h1>", StringComparison.OrdinalIgnoreCase);
            var html = h1 >= 0 ? body[(h1 + 5)..] : body;
            return (Trim(HtmlTags().Replace(html, " ")), null);
        }
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public static OpenStackException ToException(string service, string method, string path, HttpStatusCode status, string? body, string? requestId)
    {
        var (message, type) = Parse(body);
        var quota = type == "OverQuota" || type == "overLimit"
            || (message?.Contains("Quota exceeded", StringComparison.OrdinalIgnoreCase) ?? false)
            || status == HttpStatusCode.RequestEntityTooLarge;
        return status switch
        {
            _ when quota && status is HttpStatusCode.Conflict or HttpStatusCode.Forbidden or HttpStatusCode.RequestEntityTooLarge
                => new OpenStackQuotaExceededException(service, method, path, status, message, type, requestId),
            HttpStatusCode.NotFound => new OpenStackNotFoundException(service, method, path, message, type, requestId),
            HttpStatusCode.Conflict => new OpenStackConflictException(service, method, path, message, type, requestId),
            HttpStatusCode.Unauthorized => new OpenStackAuthenticationException(service, method, path, message, requestId),
            _ => new OpenStackException(service, method, path, status, message, type, requestId),
        };
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Trim(string text)
    {
        var collapsed = Whitespace().Replace(text, " ").Trim();
        return collapsed.Length > 500 ? collapsed[..500] + "…" : collapsed;
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex HtmlTags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
