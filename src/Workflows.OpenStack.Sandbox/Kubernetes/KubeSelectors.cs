using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Label selectors (the query string form and <c>LabelSelector</c> objects) and field selectors.</summary>
internal static class KubeSelectors
{
    /// <summary>Parses <c>app=x,tier!=y,env in (a,b),!legacy,owner</c> into a predicate over labels.</summary>
    public static Func<IReadOnlyDictionary<string, string>, bool> ParseLabelSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return _ => true;
        }

        var terms = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var raw in SplitTerms(selector))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            var setMatch = System.Text.RegularExpressions.Regex.Match(term, @"^([^\s!=]+)\s+(in|notin)\s*\(([^)]*)\)$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            if (setMatch.Success)
            {
                var key = setMatch.Groups[1].Value;
                var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
                var negate = setMatch.Groups[2].Value == "notin";
                terms.Add(l => negate ? !(l.TryGetValue(key, out var v) && values.Contains(v)) : l.TryGetValue(key, out var v2) && values.Contains(v2));
            }
            else if (term.Contains("!=", StringComparison.Ordinal))
            {
                var (key, value) = Split(term, "!=");
                terms.Add(l => !l.TryGetValue(key, out var v) || v != value);
            }
            else if (term.Contains("==", StringComparison.Ordinal))
            {
                var (key, value) = Split(term, "==");
                terms.Add(l => l.TryGetValue(key, out var v) && v == value);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var (key, value) = Split(term, "=");
                terms.Add(l => l.TryGetValue(key, out var v) && v == value);
            }
            else if (term.StartsWith('!'))
            {
                var key = term[1..].Trim();
                terms.Add(l => !l.ContainsKey(key));
            }
            else
            {
                terms.Add(l => l.ContainsKey(term));
            }
        }

        return l => terms.All(t => t(l));
    }

    private static (string Key, string Value) Split(string term, string op)
    {
        var i = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..i].Trim(), term[(i + op.Length)..].Trim());
    }

    private static IEnumerable<string> SplitTerms(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(')
            {
                depth++;
            }
            else if (selector[i] == ')')
            {
                depth--;
            }
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }

    /// <summary>Parses <c>metadata.name=x,status.phase!=Running</c> into a predicate over objects.</summary>
    public static Func<JsonObject, bool> ParseFieldSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return _ => true;
        }

        var terms = new List<Func<JsonObject, bool>>();
        foreach (var raw in selector.Split(','))
        {
            var term = raw.Trim();
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var (field, value) = negate ? Split(term, "!=") : term.Contains("==", StringComparison.Ordinal) ? Split(term, "==") : Split(term, "=");
            var path = field.Split('.');
            terms.Add(o =>
            {
                JsonNode? n = o;
                foreach (var p in path)
                {
                    n = (n as JsonObject)?[p];
                }

                var actual = n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString() ?? string.Empty;
                return negate ? actual != value : actual == value;
            });
        }

        return o => terms.All(t => t(o));
    }

    /// <summary>Whether a <c>LabelSelector</c> object (matchLabels, matchExpressions) matches the labels. An empty or null selector matches nothing.</summary>
    public static bool Matches(JsonObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null || selector.Count == 0)
        {
            return false;
        }

        foreach (var (k, v) in KubeObject.StringMap(selector["matchLabels"] as JsonObject))
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        foreach (var e in (selector["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var key = KubeObject.Str(e, "key") ?? string.Empty;
            var values = (e["values"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
            var has = labels.TryGetValue(key, out var actual);
            var ok = KubeObject.Str(e, "operator") switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Renders a <c>LabelSelector</c> object as the query string form (<c>app=myapp</c>).</summary>
    public static string Format(JsonObject? selector)
    {
        if (selector is null)
        {
            return string.Empty;
        }

        var parts = KubeObject.StringMap(selector["matchLabels"] as JsonObject).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToList();
        foreach (var e in (selector["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var key = KubeObject.Str(e, "key");
            var values = string.Join(",", (e["values"] as JsonArray)?.Select(v => v?.GetValue<string>()) ?? []);
            parts.Add(KubeObject.Str(e, "operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key!,
                _ => $"!{key}",
            });
        }

        return string.Join(",", parts);
    }
}
