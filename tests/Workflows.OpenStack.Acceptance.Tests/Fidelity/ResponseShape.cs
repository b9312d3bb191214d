using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Acceptance.Tests.Fidelity;

/// <summary>
/// Reads the JSON fields a client relies on by path: <c>a.b</c> (property), <c>a[]</c> (first element),
/// <c>a.*</c> (first property's value). A spec is the path, prefixed with <c>?</c> when the field may be
/// null or absent, or with <c>=</c> when its value must be equal too.
/// </summary>
public static class ResponseShape
{
    public static (string Path, bool Optional, bool CompareValue) ParseSpec(string spec) =>
        spec[0] switch
        {
            '?' => (spec[1..], true, false),
            '=' => (spec[1..], false, true),
            _ => (spec, false, false),
        };

    public static JsonNode? Select(JsonNode? node, string path, out bool found)
    {
        found = true;
        foreach (var part in path.Split('.'))
        {
            var name = part.EndsWith("[]", StringComparison.Ordinal) ? part[..^2] : part;
            if (name == "*")
            {
                if (node is not JsonObject any || any.Count == 0)
                {
                    found = false;
                    return null;
                }

                node = any.First().Value;
            }
            else if (node is JsonObject o && o.TryGetPropertyValue(name, out var child))
            {
                node = child;
            }
            else
            {
                found = false;
                return null;
            }

            if (part.EndsWith("[]", StringComparison.Ordinal))
            {
                if (node is not JsonArray a || a.Count == 0)
                {
                    found = false;
                    return null;
                }

                node = a[0];
            }
        }

        return node;
    }

    public static string Kind(JsonNode? node, bool found) => !found ? "absent" : node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "null",
        },
        _ => "other",
    };

    /// <summary>Returns the differences of <paramref name="sandbox"/> from <paramref name="peer"/> in the given fields.</summary>
    public static List<string> Compare(JsonNode? peer, JsonNode? sandbox, IEnumerable<string> specs)
    {
        var differences = new List<string>();
        foreach (var spec in specs)
        {
            var (path, optional, compareValue) = ParseSpec(spec);
            var p = Select(peer, path, out var pFound);
            var s = Select(sandbox, path, out var sFound);
            var pk = Kind(p, pFound);
            var sk = Kind(s, sFound);
            var pEmpty = pk is "absent" or "null";
            var sEmpty = sk is "absent" or "null";
            if (optional && (pEmpty || sEmpty))
            {
                continue;
            }

            if (pk != sk)
            {
                differences.Add($"`{path}`: peer {pk}, sandbox {sk}");
            }
            else if (compareValue && p?.ToJsonString() != s?.ToJsonString())
            {
                differences.Add($"`{path}`: peer {Short(p)}, sandbox {Short(s)}");
            }
        }

        return differences;
    }

    private static string Short(JsonNode? n)
    {
        var text = n?.ToJsonString() ?? "null";
        return text.Length > 80 ? text[..80] + "…" : text;
    }
}
