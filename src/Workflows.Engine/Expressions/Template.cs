using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Expressions;

/// <summary>
/// A string that may contain <c>${{ … }}</c> expressions. A string that is exactly one expression
/// evaluates to that expression's value with its JSON type; otherwise the parts are joined as text.
/// </summary>
public sealed class Template
{
    private static readonly ConcurrentDictionary<string, Template> Cache = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<object> parts; // string or Expression

    private Template(IReadOnlyList<object> parts) => this.parts = parts;

    /// <summary>Gets whether the text holds at least one expression.</summary>
    public bool HasExpressions => parts.Any(p => p is Expression);

    /// <summary>Gets the expressions of the template.</summary>
    public IEnumerable<Expression> Expressions => parts.OfType<Expression>();

    /// <summary>Parses (and caches) a template.</summary>
    /// <exception cref="ExpressionException">On a syntax error; the position is an offset in <paramref name="text"/>.</exception>
    public static Template Parse(string text) => Cache.TryGetValue(text, out var t) ? t : Cache.GetOrAdd(text, Build(text));

    /// <summary>Returns whether <paramref name="text"/> contains an expression opener.</summary>
    public static bool MayContainExpression(string text) => text.Contains("${{", StringComparison.Ordinal);

    /// <summary>Evaluates the template.</summary>
    public JsonNode? Evaluate(IExpressionScope scope)
    {
        if (parts.Count == 1 && parts[0] is Expression only)
        {
            return only.Evaluate(scope);
        }

        var sb = new StringBuilder();
        var secret = false;
        var values = parts.Select(p => p is Expression e ? e.Evaluate(scope) : null).ToList();
        if (Unknown.Merge(values) is { } unknown)
        {
            return unknown;
        }

        for (var i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            if (p is string s)
            {
                sb.Append(s);
            }
            else
            {
                var v = values[i];
                secret |= Expression.IsSecret(v);
                sb.Append(Expression.ToText(v));
            }
        }

        // Text built from a secret is itself secret.
        return secret ? JsonValue.Create(new Secret(sb.ToString())) : JsonValue.Create(sb.ToString());
    }

    /// <summary>Evaluates every string of a JSON tree as a template; other values are copied.</summary>
    public static JsonNode? EvaluateTree(JsonNode? node, IExpressionScope scope) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, EvaluateTree(kv.Value, scope)))),
        JsonArray a => new JsonArray(a.Select(i => EvaluateTree(i, scope)).ToArray()),
        JsonValue v when v.TryGetValue(out string? s) && MayContainExpression(s) => Parse(s).Evaluate(scope),
        _ => JsonNodes.Clone(node),
    };

    private static Template Build(string text)
    {
        var parts = new List<object>();
        var pos = 0;
        while (pos < text.Length)
        {
            var open = text.IndexOf("${{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(text[pos..]);
                break;
            }

            if (open > pos)
            {
                parts.Add(text[pos..open]);
            }

            var close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ExpressionException("'${{' without a closing '}}'", open);
            }

            var body = text[(open + 3)..close];
            if (string.IsNullOrWhiteSpace(body))
            {
                throw new ExpressionException("empty expression '${{ }}'", open);
            }

            try
            {
                parts.Add(Expression.Parse(body));
            }
            catch (ExpressionException e)
            {
                throw new ExpressionException(e.Message, open + 3 + e.Position);
            }

            pos = close + 2;
        }

        // "  ${{ x }}  " is still a single typed expression.
        if (parts.Count > 1 && parts.Count(p => p is Expression) == 1 && parts.OfType<string>().All(string.IsNullOrWhiteSpace))
        {
            parts.RemoveAll(p => p is string);
        }

        return new Template(parts);
    }
}
