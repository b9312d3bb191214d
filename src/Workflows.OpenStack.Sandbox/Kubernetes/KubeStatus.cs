using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>A field error of a 422 Invalid answer, as the API server's field.Error renders it.</summary>
/// <param name="Reason"><c>FieldValueRequired</c>, <c>FieldValueInvalid</c>, <c>FieldValueNotSupported</c>, <c>FieldValueForbidden</c>, <c>FieldValueDuplicate</c>.</param>
/// <param name="Field">The JSON path, e.g. <c>spec.template.spec.containers[0].image</c>.</param>
/// <param name="Message">The message, e.g. <c>Required value</c>.</param>
internal sealed record KubeFieldError(string Reason, string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    public static KubeFieldError Required(string field, string? detail = null) =>
        new("FieldValueRequired", field, detail is null ? "Required value" : $"Required value: {detail}");

    public static KubeFieldError Invalid(string field, string renderedValue, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {renderedValue}: {detail}");

    public static KubeFieldError NotSupported(string field, string renderedValue, IEnumerable<string> supported) =>
        new("FieldValueNotSupported", field, $"Unsupported value: {renderedValue}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");
}

/// <summary>An API error answered as a <c>Status</c> body, shaped like the real API server's.</summary>
internal sealed class KubeStatusException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => KubeStatus.Failure(Code, Reason, Message, Details);
}

/// <summary>Builders of the Status documents the API server returns.</summary>
internal static class KubeStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var o = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            o["details"] = details;
        }

        o["code"] = code;
        return o;
    }

    public static JsonObject Success(KubeResourceType type, string name, string uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = uid },
    };

    private static JsonObject Details(KubeResourceType type, string? name)
    {
        var d = new JsonObject();
        if (name is not null)
        {
            d["name"] = name;
        }

        if (type.Group.Length > 0)
        {
            d["group"] = type.Group;
        }

        d["kind"] = type.Plural;
        return d;
    }

    public static KubeStatusException NotFound(KubeResourceType type, string name) =>
        new(404, "NotFound", $"{type.Qualified} \"{name}\" not found", Details(type, name));

    public static KubeStatusException NamespaceNotFound(string ns) =>
        new(404, "NotFound", $"namespaces \"{ns}\" not found", new JsonObject { ["name"] = ns, ["kind"] = "namespaces" });

    public static KubeStatusException AlreadyExists(KubeResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.Qualified} \"{name}\" already exists", Details(type, name));

    public static KubeStatusException Conflict(KubeResourceType type, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.Qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Details(type, name));

    public static KubeStatusException Conflict(KubeResourceType type, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.Qualified} \"{name}\": {detail}", Details(type, name));

    public static KubeStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeStatusException MethodNotAllowed(string message = "the server does not allow this method on the requested resource") =>
        new(405, "MethodNotAllowed", message, new JsonObject());

    public static KubeStatusException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");

    public static KubeStatusException Gone(string message) => new(410, "Expired", message);

    public static KubeStatusException Invalid(KubeResourceType type, string name, IReadOnlyList<KubeFieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        }

        var details = Details(type, name);
        details["kind"] = type.Kind;
        details["causes"] = causes;
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new KubeStatusException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {list}", details);
    }
}
