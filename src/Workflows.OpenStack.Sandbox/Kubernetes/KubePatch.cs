using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// The patch formats of the API server: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
/// patch with the merge keys of the built-in types (containers by <c>name</c>, ports by <c>containerPort</c>, env by
/// <c>name</c>, …) and the directives kubectl sends (<c>$patch</c>, <c>$setElementOrder</c>, <c>$retainKeys</c>,
/// <c>$deleteFromPrimitiveList</c>).
/// </summary>
internal static class KubePatch
{
    /// <summary>Returns the merge key of a list at a path (segments joined by '.', list items as <c>[]</c>), or null for an atomic list.</summary>
    public static string? MergeKey(KubeResourceType type, string path)
    {
        var last = path[(path.LastIndexOf('.') + 1)..];
        if (path.EndsWith("ontainers[].ports", StringComparison.Ordinal))
        {
            return "containerPort";
        }

        if (type == KubeResourceType.Services && path == "spec.ports")
        {
            return "port";
        }

        if (path.EndsWith("ontainers[].env", StringComparison.Ordinal))
        {
            return "name";
        }

        return last switch
        {
            "containers" or "initContainers" or "ephemeralContainers" => "name",
            "volumeMounts" => "mountPath",
            "volumeDevices" => "devicePath",
            "volumes" or "imagePullSecrets" or "resourceClaims" or "schedulingGates" => "name",
            "hostAliases" => "ip",
            "conditions" => "type",
            "ownerReferences" => "uid",
            "topologySpreadConstraints" => "topologyKey",
            "resizePolicy" => "resourceName",
            _ => null,
        };
    }

    /// <summary>Whether a list of scalars merges as a set (<c>metadata.finalizers</c>).</summary>
    public static bool IsPrimitiveSet(string path) => path == "metadata.finalizers";

    /// <summary>Applies a JSON merge patch.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (k, v) in p)
        {
            if (v is null)
            {
                result.Remove(k);
            }
            else
            {
                result[k] = MergePatch(result[k], v);
            }
        }

        return result;
    }

    /// <summary>Applies a strategic merge patch to an object of <paramref name="type"/>.</summary>
    public static JsonObject StrategicMergePatch(KubeResourceType type, JsonObject target, JsonObject patch) =>
        (JsonObject)(MergeMap(type, target, patch, string.Empty) ?? new JsonObject());

    private static JsonObject? MergeMap(KubeResourceType type, JsonObject? original, JsonObject patch, string path)
    {
        var directive = KubeObject.Str(patch, "$patch");
        if (directive == "delete")
        {
            return null;
        }

        if (directive == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = original is null ? [] : (JsonObject)original.DeepClone();
        var orders = new List<(string Field, JsonArray Order)>();
        foreach (var (k, v) in patch)
        {
            if (k == "$patch" || k == "$retainKeys")
            {
                continue;
            }

            if (k.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                if (v is JsonArray order)
                {
                    orders.Add((k["$setElementOrder/".Length..], order));
                }

                continue;
            }

            if (k.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = k["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && v is JsonArray remove)
                {
                    var kept = list.Where(i => !remove.Any(r => JsonNode.DeepEquals(r, i))).Select(i => i?.DeepClone()).ToArray();
                    result[field] = new JsonArray(kept);
                }

                continue;
            }

            var childPath = path.Length == 0 ? k : $"{path}.{k}";
            if (v is null)
            {
                result.Remove(k);
            }
            else if (v is JsonObject vo)
            {
                var merged = MergeMap(type, result[k] as JsonObject, vo, childPath);
                if (merged is null)
                {
                    result.Remove(k);
                }
                else
                {
                    result[k] = merged;
                }
            }
            else if (v is JsonArray va)
            {
                result[k] = MergeList(type, result[k] as JsonArray, va, childPath);
            }
            else
            {
                result[k] = v.DeepClone();
            }
        }

        foreach (var (field, order) in orders)
        {
            if (result[field] is JsonArray list)
            {
                result[field] = Reorder(list, order, MergeKey(type, path.Length == 0 ? field : $"{path}.{field}"));
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(r => r?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(p => p.Key).Where(key => !keep.Contains(key)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(KubeResourceType type, JsonArray? original, JsonArray patch, string path)
    {
        var key = MergeKey(type, path);
        if (patch.OfType<JsonObject>().Any(i => KubeObject.Str(i, "$patch") == "replace"))
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && KubeObject.Str(o, "$patch") == "replace")).Select(i => i?.DeepClone()).ToArray());
        }

        if (IsPrimitiveSet(path))
        {
            var set = original is null ? [] : (JsonArray)original.DeepClone();
            foreach (var item in patch)
            {
                if (!set.Any(i => JsonNode.DeepEquals(i, item)))
                {
                    set.Add(item?.DeepClone());
                }
            }

            return set;
        }

        if (key is null || original is null)
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && KubeObject.Str(o, "$patch") == "delete")).Select(i => StripDirectives(i)).ToArray());
        }

        var result = (JsonArray)original.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject po)
            {
                result.Add(item?.DeepClone());
                continue;
            }

            var index = IndexOf(result, key, po[key]);
            if (KubeObject.Str(po, "$patch") == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                var merged = MergeMap(type, result[index] as JsonObject, po, path + "[]");
                result[index] = merged;
            }
            else
            {
                result.Add(MergeMap(type, null, po, path + "[]"));
            }
        }

        return result;
    }

    private static JsonNode? StripDirectives(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            var copy = new JsonObject();
            foreach (var (k, v) in o)
            {
                if (!k.StartsWith('$'))
                {
                    copy[k] = StripDirectives(v);
                }
            }

            return copy;
        }

        if (node is JsonArray a)
        {
            return new JsonArray(a.Select(StripDirectives).ToArray());
        }

        return node?.DeepClone();
    }

    private static int IndexOf(JsonArray list, string key, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject o && JsonNode.DeepEquals(o[key], value))
            {
                return i;
            }
        }

        return -1;
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string? key)
    {
        var items = list.Select(i => i?.DeepClone()).ToList();
        int Rank(JsonNode? item)
        {
            for (var i = 0; i < order.Count; i++)
            {
                var matches = key is not null && item is JsonObject o && order[i] is JsonObject oo
                    ? JsonNode.DeepEquals(o[key], oo[key])
                    : JsonNode.DeepEquals(item, order[i]);
                if (matches)
                {
                    return i;
                }
            }

            return int.MaxValue;
        }

        return new JsonArray(items.Select((item, i) => (item, i)).OrderBy(p => Rank(p.item)).ThenBy(p => p.i).Select(p => p.item).ToArray());
    }

    /// <summary>Applies a JSON patch (add, remove, replace, move, copy, test).</summary>
    public static JsonNode JsonPatch(JsonNode target, JsonArray operations)
    {
        var doc = target.DeepClone();
        foreach (var node in operations)
        {
            if (node is not JsonObject op || KubeObject.Str(op, "op") is not { } kind || KubeObject.Str(op, "path") is not { } path)
            {
                throw KubeStatus.BadRequest("the server rejected our request due to an error in our request");
            }

            switch (kind)
            {
                case "add":
                    doc = Set(doc, path, op["value"]?.DeepClone(), insert: true);
                    break;
                case "replace":
                    _ = Get(doc, path) ?? throw PatchError($"replace operation does not apply: doc is missing key: {path}");
                    doc = Set(doc, path, op["value"]?.DeepClone(), insert: false);
                    break;
                case "remove":
                    doc = Remove(doc, path);
                    break;
                case "move":
                    var moved = Get(doc, KubeObject.Str(op, "from") ?? string.Empty)?.DeepClone();
                    doc = Remove(doc, KubeObject.Str(op, "from") ?? string.Empty);
                    doc = Set(doc, path, moved, insert: true);
                    break;
                case "copy":
                    doc = Set(doc, path, Get(doc, KubeObject.Str(op, "from") ?? string.Empty)?.DeepClone(), insert: true);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"]))
                    {
                        throw PatchError($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw PatchError($"Unexpected kind: {kind}");
            }
        }

        return doc;
    }

    private static KubeStatusException PatchError(string message) => new(422, "Invalid", message);

    private static string[] Pointer(string path) =>
        path.Length == 0 ? [] : path.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode? doc, string path)
    {
        foreach (var seg in Pointer(path))
        {
            doc = doc switch
            {
                JsonObject o => o[seg],
                JsonArray a when int.TryParse(seg, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }

        return doc;
    }

    private static JsonNode Set(JsonNode doc, string path, JsonNode? value, bool insert)
    {
        var segs = Pointer(path);
        if (segs.Length == 0)
        {
            return value ?? throw PatchError("cannot replace the document with null");
        }

        var parent = Get(doc, "/" + string.Join('/', segs[..^1].Select(s => s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));
        var last = segs[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                if (insert)
                {
                    a.Insert(i, value);
                }
                else if (i < a.Count)
                {
                    a[i] = value;
                }

                break;
            default:
                throw PatchError($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path)
    {
        var segs = Pointer(path);
        var parent = Get(doc, segs.Length <= 1 ? string.Empty : "/" + string.Join('/', segs[..^1]));
        var removed = parent switch
        {
            JsonObject o => o.Remove(segs[^1]),
            JsonArray a when int.TryParse(segs[^1], out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        return removed ? doc : throw PatchError($"remove operation does not apply: doc is missing path: \"{path}\": missing value");
    }

    private static bool RemoveAt(JsonArray a, int i)
    {
        a.RemoveAt(i);
        return true;
    }

    /// <summary>Parses a JSON request body into a node, as 400 BadRequest when it is not JSON.</summary>
    public static JsonNode ParseJson(string body)
    {
        try
        {
            return JsonNode.Parse(body) ?? throw KubeStatus.BadRequest("the request body is empty");
        }
        catch (JsonException ex)
        {
            throw KubeStatus.BadRequest($"error decoding patch: {ex.Message}");
        }
    }
}
