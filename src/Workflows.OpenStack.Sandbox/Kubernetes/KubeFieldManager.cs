using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// Field ownership as server-side apply keeps it in <c>metadata.managedFields</c> (FieldsV1): an apply merges the
/// applied configuration, removes fields the same manager applied before and no longer does, and refuses to change
/// a field another manager owns unless forced; an update takes ownership of the fields it changed.
/// </summary>
internal static class KubeFieldManager
{
    private const char Sep = '\t';
    private static readonly HashSet<string> RootSkipped = ["apiVersion", "kind", "status"];
    private static readonly HashSet<string> MetadataSkipped = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"];

    /// <summary>Returns the object after applying <paramref name="applied"/> as <paramref name="manager"/> over <paramref name="live"/> (null: create).</summary>
    public static JsonObject Apply(KubeResourceType type, JsonObject? live, JsonObject applied, string manager, bool force, DateTimeOffset now)
    {
        var entries = live is null ? [] : Entries(live);
        var newSet = FieldSet(type, applied);
        var merged = live is null ? (JsonObject)applied.DeepClone() : KubePatch.StrategicMergePatch(type, live, applied);
        if (live is not null)
        {
            var conflicts = new List<(string Manager, string ApiVersion, string Path)>();
            foreach (var path in newSet.Where(p => !p.EndsWith(Sep + ".", StringComparison.Ordinal)))
            {
                var liveValue = Resolve(live, path, out var present);
                if (!present || JsonNode.DeepEquals(liveValue, Resolve(applied, path, out _)))
                {
                    continue;
                }

                foreach (var e in entries.Where(e => !(e.Manager == manager && e.Operation == "Apply") && e.Fields.Contains(path)))
                {
                    conflicts.Add((e.Manager, e.ApiVersion, path));
                }
            }

            if (conflicts.Count > 0 && !force)
            {
                throw Conflict(type, KubeObject.Name(live), conflicts);
            }

            foreach (var e in entries.Where(e => !(e.Manager == manager && e.Operation == "Apply")))
            {
                e.Fields.ExceptWith(newSet);
            }

            var previous = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply")?.Fields ?? [];
            foreach (var path in previous.Except(newSet).OrderByDescending(p => p.Length))
            {
                if (!entries.Any(e => !(e.Manager == manager && e.Operation == "Apply") && e.Fields.Contains(path)))
                {
                    Delete(merged, path);
                }
            }
        }

        // An apply that owns exactly what it owned before keeps its time, so a no-op apply changes nothing (not even resourceVersion).
        var before = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply");
        var time = before is not null && before.Fields.SetEquals(newSet) ? before.Time : now;
        entries.RemoveAll(e => e.Manager == manager && e.Operation == "Apply");
        entries.Add(new Entry(manager, "Apply", type.ApiVersion, time, newSet));
        Write(merged, entries, type);
        return merged;
    }

    /// <summary>Records that <paramref name="manager"/> changed <paramref name="old"/> into <paramref name="updated"/> (create when old is null).</summary>
    public static void RecordUpdate(KubeResourceType type, JsonObject? old, JsonObject updated, string manager, DateTimeOffset now)
    {
        var entries = old is null ? [] : Entries(old);
        var current = FieldSet(type, updated);
        var changed = current.Where(p =>
        {
            if (old is null)
            {
                return true;
            }

            var before = Resolve(old, p, out var present);
            return !present || !JsonNode.DeepEquals(before, Resolve(updated, p, out _));
        }).ToHashSet(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            e.Fields.IntersectWith(current);
            if (e.Manager != manager || e.Operation != "Update")
            {
                e.Fields.ExceptWith(changed);
            }
        }

        if (changed.Count > 0)
        {
            var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update");
            if (mine is null)
            {
                entries.Add(new Entry(manager, "Update", type.ApiVersion, now, changed));
            }
            else
            {
                mine.Fields.UnionWith(changed);
                mine.Time = now;
            }
        }

        Write(updated, entries, type);
    }

    /// <summary>Returns the leaf paths of an object, in FieldsV1 segments (<c>f:name</c>, <c>k:{"name":"x"}</c>, <c>v:"x"</c>) joined by tabs.</summary>
    public static HashSet<string> FieldSet(KubeResourceType type, JsonObject obj)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        Walk(type, obj, string.Empty, string.Empty, set, root: true);
        return set;
    }

    private static void Walk(KubeResourceType type, JsonObject o, string prefix, string schemaPath, HashSet<string> set, bool root)
    {
        foreach (var (k, v) in o)
        {
            if ((root && RootSkipped.Contains(k)) || (schemaPath == "metadata" && MetadataSkipped.Contains(k)))
            {
                continue;
            }

            var path = prefix.Length == 0 ? "f:" + k : $"{prefix}{Sep}f:{k}";
            var childSchema = schemaPath.Length == 0 ? k : $"{schemaPath}.{k}";
            switch (v)
            {
                case JsonObject child when child.Count > 0:
                    Walk(type, child, path, childSchema, set, root: false);
                    break;
                case JsonArray list when KubePatch.MergeKey(type, childSchema) is { } key:
                    foreach (var item in list.OfType<JsonObject>())
                    {
                        var itemPath = $"{path}{Sep}k:{new JsonObject { [key] = item[key]?.DeepClone() }.ToJsonString()}";
                        set.Add(itemPath + Sep + ".");
                        Walk(type, item, itemPath, childSchema + "[]", set, root: false);
                    }

                    break;
                case JsonArray list when KubePatch.IsPrimitiveSet(childSchema):
                    foreach (var item in list)
                    {
                        set.Add($"{path}{Sep}v:{item?.ToJsonString() ?? "null"}");
                    }

                    break;
                default:
                    set.Add(path);
                    break;
            }
        }
    }

    private static JsonNode? Resolve(JsonNode? node, string path, out bool present)
    {
        present = true;
        foreach (var seg in path.Split(Sep))
        {
            if (seg == ".")
            {
                break;
            }

            if (seg.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o && o.TryGetPropertyValue(seg[2..], out var next))
            {
                node = next;
            }
            else if (seg.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray a && FindItem(a, seg) is { } item)
            {
                node = item;
            }
            else if (seg.StartsWith("v:", StringComparison.Ordinal) && node is JsonArray pa && pa.FirstOrDefault(i => (i?.ToJsonString() ?? "null") == seg[2..]) is { } value)
            {
                node = value;
            }
            else
            {
                present = false;
                return null;
            }
        }

        return node;
    }

    private static JsonObject? FindItem(JsonArray list, string segment)
    {
        var key = (JsonObject)JsonNode.Parse(segment[2..])!;
        return list.OfType<JsonObject>().FirstOrDefault(i => key.All(p => JsonNode.DeepEquals(i[p.Key], p.Value)));
    }

    private static void Delete(JsonObject root, string path)
    {
        var segs = path.Split(Sep).ToList();
        if (segs[^1] == ".")
        {
            segs.RemoveAt(segs.Count - 1);
        }

        var parent = Resolve(root, string.Join(Sep, segs.Take(segs.Count - 1)), out var present);
        if (segs.Count == 0 || !present)
        {
            return;
        }

        var last = segs[^1];
        switch (parent)
        {
            case JsonObject o when last.StartsWith("f:", StringComparison.Ordinal):
                o.Remove(last[2..]);
                break;
            case JsonArray a when last.StartsWith("k:", StringComparison.Ordinal) && FindItem(a, last) is { } item:
                a.Remove(item);
                break;
            case JsonArray a when last.StartsWith("v:", StringComparison.Ordinal):
                var index = a.Select((n, i) => (n, i)).FirstOrDefault(p => (p.n?.ToJsonString() ?? "null") == last[2..], (null, -1)).Item2;
                if (index >= 0)
                {
                    a.RemoveAt(index);
                }

                break;
        }
    }

    private static KubeStatusException Conflict(KubeResourceType type, string name, List<(string Manager, string ApiVersion, string Path)> conflicts)
    {
        var causes = new JsonArray();
        foreach (var c in conflicts)
        {
            causes.Add(new JsonObject { ["reason"] = "FieldManagerConflict", ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}", ["field"] = Render(c.Path) });
        }

        string message;
        if (conflicts.Count == 1)
        {
            var c = conflicts[0];
            message = $"Apply failed with 1 conflict: conflict with \"{c.Manager}\" using {c.ApiVersion}: {Render(c.Path)}";
        }
        else
        {
            var byManager = conflicts.GroupBy(c => (c.Manager, c.ApiVersion)).Select(g =>
                $"conflicts with \"{g.Key.Manager}\" using {g.Key.ApiVersion}:\n" + string.Join("\n", g.Select(c => "- " + Render(c.Path))));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", byManager)}";
        }

        return new KubeStatusException(409, "Conflict", message, new JsonObject
        {
            ["name"] = name,
            ["group"] = type.Group,
            ["kind"] = type.Plural,
            ["causes"] = causes,
        });
    }

    /// <summary>Renders a path as the API server does in conflicts: <c>.spec.template.spec.containers[name="app"].image</c>.</summary>
    public static string Render(string path)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var seg in path.Split(Sep))
        {
            if (seg.StartsWith("f:", StringComparison.Ordinal))
            {
                sb.Append('.').Append(seg[2..]);
            }
            else if (seg.StartsWith("k:", StringComparison.Ordinal))
            {
                var key = (JsonObject)JsonNode.Parse(seg[2..])!;
                sb.Append('[').Append(string.Join(",", key.Select(p => $"{p.Key}={p.Value?.ToJsonString()}"))).Append(']');
            }
            else if (seg.StartsWith("v:", StringComparison.Ordinal))
            {
                sb.Append("[=").Append(seg[2..]).Append(']');
            }
        }

        return sb.ToString();
    }

    private static List<Entry> Entries(JsonObject obj)
    {
        var result = new List<Entry>();
        foreach (var e in KubeObject.Arr(obj, "metadata", "managedFields")?.OfType<JsonObject>() ?? [])
        {
            var fields = new HashSet<string>(StringComparer.Ordinal);
            if (e["fieldsV1"] is JsonObject f)
            {
                Flatten(f, string.Empty, fields);
            }

            var time = KubeObject.ParseTimestamp(KubeObject.Str(e, "time")) ?? DateTimeOffset.UnixEpoch;
            result.Add(new Entry(KubeObject.Str(e, "manager") ?? string.Empty, KubeObject.Str(e, "operation") ?? "Update", KubeObject.Str(e, "apiVersion") ?? string.Empty, time, fields)
            {
                Subresource = KubeObject.Str(e, "subresource"),
            });
        }

        return result;
    }

    private static void Flatten(JsonObject tree, string prefix, HashSet<string> into)
    {
        foreach (var (k, v) in tree)
        {
            var path = prefix.Length == 0 ? k : prefix + Sep + k;
            if (v is JsonObject child && child.Count > 0)
            {
                Flatten(child, path, into);
            }
            else
            {
                into.Add(path);
            }
        }
    }

    private static void Write(JsonObject obj, List<Entry> entries, KubeResourceType type)
    {
        var list = new JsonArray();
        foreach (var e in entries.Where(e => e.Fields.Count > 0))
        {
            var tree = new JsonObject();
            foreach (var path in e.Fields.Order(StringComparer.Ordinal))
            {
                var node = tree;
                foreach (var seg in path.Split(Sep))
                {
                    if (node[seg] is not JsonObject next)
                    {
                        next = [];
                        node[seg] = next;
                    }

                    node = next;
                }
            }

            var entry = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion.Length == 0 ? type.ApiVersion : e.ApiVersion,
                ["time"] = KubeObject.Timestamp(e.Time),
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = tree,
            };
            if (e.Subresource is not null)
            {
                entry["subresource"] = e.Subresource;
            }

            list.Add(entry);
        }

        KubeObject.Metadata(obj)["managedFields"] = list;
    }

    private sealed class Entry(string manager, string operation, string apiVersion, DateTimeOffset time, HashSet<string> fields)
    {
        public string Manager { get; } = manager;

        public string Operation { get; } = operation;

        public string ApiVersion { get; } = apiVersion;

        public DateTimeOffset Time { get; set; } = time;

        public HashSet<string> Fields { get; } = fields;

        public string? Subresource { get; init; }
    }
}
