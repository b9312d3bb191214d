using System.Globalization;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Small accessors over objects kept as JSON.</summary>
internal static class KubeObject
{
    public static JsonObject Metadata(JsonObject o)
    {
        if (o["metadata"] is not JsonObject m)
        {
            m = [];
            o["metadata"] = m;
        }

        return m;
    }

    public static JsonObject Child(JsonObject o, string name)
    {
        if (o[name] is not JsonObject m)
        {
            m = [];
            o[name] = m;
        }

        return m;
    }

    public static string Name(JsonObject o) => Str(o["metadata"] as JsonObject, "name") ?? string.Empty;

    public static string? Namespace(JsonObject o) => Str(o["metadata"] as JsonObject, "namespace");

    public static string? ResourceVersion(JsonObject o) => Str(o["metadata"] as JsonObject, "resourceVersion");

    public static string? Uid(JsonObject o) => Str(o["metadata"] as JsonObject, "uid");

    public static long Generation(JsonObject o) => Long(o["metadata"] as JsonObject, "generation") ?? 0;

    public static string? Str(JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(JsonObject? o, string name)
    {
        if (o is null || !o.TryGetPropertyValue(name, out var v) || v is not JsonValue jv)
        {
            return null;
        }

        if (jv.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (jv.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (jv.TryGetValue<double>(out var d) && d == Math.Floor(d))
        {
            return (long)d;
        }

        return jv.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out l) ? l : null;
    }

    public static bool? Bool(JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue<bool>(out var b) ? b : null;

    public static JsonObject? Obj(JsonObject? o, params string[] path)
    {
        JsonNode? n = o;
        foreach (var p in path)
        {
            n = (n as JsonObject)?[p];
        }

        return n as JsonObject;
    }

    public static JsonArray? Arr(JsonObject? o, params string[] path)
    {
        JsonNode? n = o;
        for (var i = 0; i < path.Length; i++)
        {
            n = (n as JsonObject)?[path[i]];
        }

        return n as JsonArray;
    }

    public static Dictionary<string, string> Labels(JsonObject? o) => StringMap(Obj(o, "metadata", "labels"));

    public static Dictionary<string, string> StringMap(JsonObject? o)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o is null)
        {
            return result;
        }

        foreach (var (k, v) in o)
        {
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s))
            {
                result[k] = s;
            }
        }

        return result;
    }

    public static string? Annotation(JsonObject o, string key) => Str(Obj(o, "metadata", "annotations"), key);

    public static void SetAnnotation(JsonObject o, string key, string? value)
    {
        var annotations = Child(Metadata(o), "annotations");
        if (value is null)
        {
            annotations.Remove(key);
        }
        else
        {
            annotations[key] = value;
        }
    }

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>Whether the object has an owner reference with that uid (any owner when <paramref name="controllerOnly"/> is false).</summary>
    public static bool IsOwnedBy(JsonObject o, string uid, bool controllerOnly = true) =>
        Arr(o, "metadata", "ownerReferences")?.OfType<JsonObject>().Any(r => Str(r, "uid") == uid && (!controllerOnly || Bool(r, "controller") == true)) == true;

    public static JsonObject OwnerReference(KubeResourceType type, JsonObject owner) => new()
    {
        ["apiVersion"] = type.ApiVersion,
        ["kind"] = type.Kind,
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>Deep equality of JSON values, ignoring the order of object properties.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>Renders a duration the way kubectl's AGE column does (<c>5s</c>, <c>3m12s</c>, <c>2d</c>).</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 0)
        {
            seconds = 0;
        }

        string F(long v) => v.ToString(CultureInfo.InvariantCulture);
        if (seconds < 60 * 2)
        {
            return F(seconds) + "s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? F(minutes) + "m" : $"{F(minutes)}m{F(seconds % 60)}s";
        }

        if (minutes < 60 * 3)
        {
            return F(minutes) + "m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? F(hours) + "h" : $"{F(hours)}h{F(minutes % 60)}m";
        }

        if (hours < 48)
        {
            return F(hours) + "h";
        }

        return hours < 24 * 8 && hours % 24 != 0 ? $"{F(hours / 24)}d{F(hours % 24)}h" : F(hours / 24) + "d";
    }
}
