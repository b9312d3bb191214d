using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Expressions;

/// <summary>A syntax error in an expression, with the character offset where it was found.</summary>
public sealed class ExpressionException(string message, int position) : Exception(message)
{
    /// <summary>Gets the 0-based offset in the expression text.</summary>
    public int Position { get; } = position;
}

/// <summary>
/// A parsed <c>${{ … }}</c> expression: paths (<c>inputs.x</c>, <c>steps.a.outputs.b</c>, <c>payload.repo['full_name']</c>),
/// literals ('text', 12, true, null), <c>== != &lt; &gt; &lt;= &gt;= &amp;&amp; || !</c>, parentheses and the functions
/// <c>contains</c>, <c>startsWith</c>, <c>endsWith</c>.
/// </summary>
public abstract class Expression
{
    private static readonly HashSet<string> Functions = ["contains", "startsWith", "endsWith"];

    /// <summary>Evaluates the expression. Secrets come back as <see cref="JsonValue"/>s holding a <see cref="Secret"/>.</summary>
    public abstract JsonNode? Evaluate(IExpressionScope scope);

    /// <summary>Lists the paths the expression reads, each as its segments.</summary>
    public abstract IEnumerable<IReadOnlyList<string>> Paths();

    /// <summary>Parses an expression body (the text between <c>${{</c> and <c>}}</c>).</summary>
    /// <exception cref="ExpressionException">On a syntax error.</exception>
    public static Expression Parse(string text)
    {
        var p = new Parser(text);
        var e = p.ParseOr();
        p.SkipSpace();
        if (!p.AtEnd)
        {
            throw new ExpressionException($"unexpected '{Abstractions.Definitions.InputRules.Preview(p.Rest)}'", p.Pos);
        }

        return e;
    }

    /// <summary>Returns whether a value is truthy: not null, not false, not 0, not "".</summary>
    public static bool IsTruthy(JsonNode? v) => v switch
    {
        null => false,
        JsonValue jv when jv.TryGetValue(out bool b) => b,
        JsonValue jv when jv.TryGetValue(out string? s) => s.Length > 0 && !string.Equals(s, "false", StringComparison.OrdinalIgnoreCase),
        JsonValue jv when jv.GetValueKind() == JsonValueKind.Number => jv.GetValue<double>() != 0,
        _ => true,
    };

    /// <summary>Converts a value to text for interpolation (a secret is revealed: wrap the result again if it must stay secret).</summary>
    public static string ToText(JsonNode? v) => v switch
    {
        null => "",
        JsonValue jv when jv.TryGetValue(out Secret? s) => s.Reveal(),
        JsonValue jv when jv.TryGetValue(out Unknown? u) => u.Text,
        JsonValue jv when jv.TryGetValue(out string? s) => s,
        JsonValue jv when jv.TryGetValue(out bool b) => b ? "true" : "false",
        JsonValue jv when jv.GetValueKind() == JsonValueKind.Number => jv.ToJsonString(),
        _ => v.ToJsonString(),
    };

    public static bool IsSecret(JsonNode? v) => v is JsonValue jv && jv.TryGetValue(out Secret? _);

    private sealed class Literal(JsonNode? value) : Expression
    {
        public override JsonNode? Evaluate(IExpressionScope scope) => JsonNodes.Clone(value);

        public override IEnumerable<IReadOnlyList<string>> Paths() => [];
    }

    private sealed class PathExpr(IReadOnlyList<string> segments) : Expression
    {
        public override JsonNode? Evaluate(IExpressionScope scope) => JsonNodes.Clone(scope.Resolve(segments));

        public override IEnumerable<IReadOnlyList<string>> Paths() => [segments];
    }

    private sealed class Not(Expression inner) : Expression
    {
        public override JsonNode? Evaluate(IExpressionScope scope)
        {
            var v = inner.Evaluate(scope);
            return Unknown.Is(v, out _) ? v : JsonValue.Create(!IsTruthy(v));
        }

        public override IEnumerable<IReadOnlyList<string>> Paths() => inner.Paths();
    }

    private sealed class Binary(string op, Expression left, Expression right) : Expression
    {
        public override JsonNode? Evaluate(IExpressionScope scope)
        {
            switch (op)
            {
                case "&&":
                    var l = left.Evaluate(scope);
                    if (Unknown.Is(l, out _))
                    {
                        // Unknown && false is false whatever the unknown turns out to be; otherwise the result is unknown.
                        var r = right.Evaluate(scope);
                        return Unknown.Is(r, out _) || IsTruthy(r) ? Unknown.Merge([l, r]) : r;
                    }

                    return IsTruthy(l) ? right.Evaluate(scope) : l;
                case "||":
                    var l2 = left.Evaluate(scope);
                    if (Unknown.Is(l2, out _))
                    {
                        var r2 = right.Evaluate(scope);
                        return !Unknown.Is(r2, out _) && IsTruthy(r2) ? r2 : Unknown.Merge([l2, r2]);
                    }

                    return IsTruthy(l2) ? l2 : right.Evaluate(scope);
            }

            var a = left.Evaluate(scope);
            var b = right.Evaluate(scope);
            if (Unknown.Merge([a, b]) is { } unknown)
            {
                return unknown;
            }

            return op switch
            {
                "==" => JsonValue.Create(AreEqual(a, b)),
                "!=" => JsonValue.Create(!AreEqual(a, b)),
                _ => JsonValue.Create(Compare(a, b) is { } c && op switch
                {
                    "<" => c < 0,
                    ">" => c > 0,
                    "<=" => c <= 0,
                    _ => c >= 0,
                }),
            };
        }

        public override IEnumerable<IReadOnlyList<string>> Paths() => left.Paths().Concat(right.Paths());

        private static bool AreEqual(JsonNode? a, JsonNode? b)
        {
            if (a is null || b is null)
            {
                return a is null && b is null;
            }

            if (TryNumber(a, out var x) && TryNumber(b, out var y))
            {
                return x == y;
            }

            return string.Equals(ToText(a), ToText(b), StringComparison.Ordinal);
        }

        private static int? Compare(JsonNode? a, JsonNode? b)
        {
            if (TryNumber(a, out var x) && TryNumber(b, out var y))
            {
                return x.CompareTo(y);
            }

            return a is null || b is null ? null : string.CompareOrdinal(ToText(a), ToText(b));
        }

        private static bool TryNumber(JsonNode? n, out double d)
        {
            d = 0;
            return n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out d);
        }
    }

    private sealed class Call(string name, IReadOnlyList<Expression> args) : Expression
    {
        public override JsonNode? Evaluate(IExpressionScope scope)
        {
            var values = args.Select(a => a.Evaluate(scope)).ToArray();
            if (Unknown.Merge(values) is { } unknown)
            {
                return unknown;
            }

            if (name == "contains" && values[0] is JsonArray arr)
            {
                var needle = ToText(values[1]);
                return JsonValue.Create(arr.Any(i => ToText(i) == needle));
            }

            var s = ToText(values[0]);
            var t = ToText(values[1]);
            return JsonValue.Create(name switch
            {
                "contains" => s.Contains(t, StringComparison.Ordinal),
                "startsWith" => s.StartsWith(t, StringComparison.Ordinal),
                _ => s.EndsWith(t, StringComparison.Ordinal),
            });
        }

        public override IEnumerable<IReadOnlyList<string>> Paths() => args.SelectMany(a => a.Paths());
    }

    private sealed class Parser(string text)
    {
        // Parsing recurses per '(' and '!'; a deeper expression is refused before the stack runs out.
        private const int MaxDepth = 64;

        // '&&' and '||' chains build a tree as deep as they are long, which evaluation walks recursively.
        private const int MaxOperators = 256;
        private int depth;
        private int operators;

        public int Pos { get; private set; }

        public bool AtEnd => Pos >= text.Length;

        public string Rest => text[Pos..];

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Pos]))
            {
                Pos++;
            }
        }

        public Expression ParseOr()
        {
            var e = ParseAnd();
            while (Eat("||"))
            {
                Count();
                e = new Binary("||", e, ParseAnd());
            }

            return e;
        }

        private Expression ParseAnd()
        {
            var e = ParseUnary();
            while (Eat("&&"))
            {
                Count();
                e = new Binary("&&", e, ParseUnary());
            }

            return e;
        }

        private Expression ParseUnary()
        {
            SkipSpace();
            if (!AtEnd && text[Pos] == '!' && (Pos + 1 >= text.Length || text[Pos + 1] != '='))
            {
                Enter();
                Pos++;
                var inner = new Not(ParseUnary());
                depth--;
                return inner;
            }

            var left = ParsePrimary();
            foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
            {
                if (Eat(op))
                {
                    return new Binary(op, left, ParsePrimary());
                }
            }

            return left;
        }

        private Expression ParsePrimary()
        {
            SkipSpace();
            if (AtEnd)
            {
                throw new ExpressionException("expected a value but the expression ended", Pos);
            }

            var c = text[Pos];
            if (c == '(')
            {
                Enter();
                Pos++;
                var e = ParseOr();
                Expect(')');
                depth--;
                return e;
            }

            if (c is '\'' or '"')
            {
                return new Literal(JsonValue.Create(ReadString()));
            }

            if (char.IsAsciiDigit(c) || (c == '-' && Pos + 1 < text.Length && char.IsAsciiDigit(text[Pos + 1])))
            {
                var start = Pos++;
                while (!AtEnd && (char.IsAsciiDigit(text[Pos]) || text[Pos] == '.'))
                {
                    Pos++;
                }

                var num = text[start..Pos];
                if (num.Contains('.', StringComparison.Ordinal))
                {
                    return double.TryParse(num, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                        ? new Literal(JsonValue.Create(d))
                        : throw new ExpressionException($"'{Abstractions.Definitions.InputRules.Preview(num)}' is not a number", start);
                }

                return long.TryParse(num, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                    ? new Literal(JsonValue.Create(l))
                    : throw new ExpressionException($"'{Abstractions.Definitions.InputRules.Preview(num)}' is not a whole number from {long.MinValue} to {long.MaxValue}", start);
            }

            if (IsIdentStart(c))
            {
                var start = Pos;
                var ident = ReadIdent();
                switch (ident)
                {
                    case "true": return new Literal(JsonValue.Create(true));
                    case "false": return new Literal(JsonValue.Create(false));
                    case "null": return new Literal(null);
                }

                SkipSpace();
                if (!AtEnd && text[Pos] == '(')
                {
                    if (!Functions.Contains(ident))
                    {
                        throw new ExpressionException($"unknown function '{ident}' (known: {string.Join(", ", Functions)})", start);
                    }

                    Enter();
                    Pos++;
                    var args = new List<Expression> { ParseOr() };
                    while (Eat(","))
                    {
                        args.Add(ParseOr());
                    }

                    Expect(')');
                    depth--;
                    if (args.Count != 2)
                    {
                        throw new ExpressionException($"function '{ident}' takes 2 arguments, not {args.Count}", start);
                    }

                    return new Call(ident, args);
                }

                var segments = new List<string> { ident };
                while (!AtEnd)
                {
                    if (text[Pos] == '.')
                    {
                        Pos++;
                        if (AtEnd || !IsIdentStart(text[Pos]))
                        {
                            throw new ExpressionException("expected a name after '.'", Pos);
                        }

                        segments.Add(ReadIdent());
                    }
                    else if (text[Pos] == '[')
                    {
                        Pos++;
                        SkipSpace();
                        if (AtEnd)
                        {
                            throw new ExpressionException("unclosed '['", Pos);
                        }

                        if (text[Pos] is '\'' or '"')
                        {
                            segments.Add(ReadString());
                        }
                        else
                        {
                            var s = Pos;
                            while (!AtEnd && char.IsAsciiDigit(text[Pos]))
                            {
                                Pos++;
                            }

                            if (s == Pos)
                            {
                                throw new ExpressionException("expected an index or a quoted key in '[ ]'", Pos);
                            }

                            segments.Add(text[s..Pos]);
                        }

                        Expect(']');
                    }
                    else
                    {
                        break;
                    }
                }

                return new PathExpr(segments);
            }

            throw new ExpressionException($"unexpected '{c}'", Pos);
        }

        private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

        private string ReadIdent()
        {
            var start = Pos;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[Pos]) || text[Pos] is '_' or '-'))
            {
                Pos++;
            }

            return text[start..Pos];
        }

        private string ReadString()
        {
            var quote = text[Pos];
            var start = Pos++;
            var sb = new StringBuilder();
            while (!AtEnd)
            {
                var c = text[Pos++];
                if (c == quote)
                {
                    // '' inside a single-quoted string is an escaped quote, as in GitHub Actions.
                    if (!AtEnd && text[Pos] == quote)
                    {
                        sb.Append(quote);
                        Pos++;
                        continue;
                    }

                    return sb.ToString();
                }

                sb.Append(c);
            }

            throw new ExpressionException("unterminated string", start);
        }

        private void Count()
        {
            if (++operators > MaxOperators)
            {
                throw new ExpressionException($"the expression has more than {MaxOperators} '&&' and '||' operators", Pos);
            }
        }

        private void Enter()
        {
            if (++depth > MaxDepth)
            {
                throw new ExpressionException($"the expression nests more than {MaxDepth} levels of '(' or '!'", Pos);
            }
        }

        private bool Eat(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, Pos, token, 0, token.Length) == 0)
            {
                Pos += token.Length;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (AtEnd || text[Pos] != c)
            {
                throw new ExpressionException($"expected '{c}'", Pos);
            }

            Pos++;
        }
    }
}

/// <summary>Resolves the root names of expressions (<c>inputs</c>, <c>steps</c>, <c>run</c>, <c>payload</c>).</summary>
public interface IExpressionScope
{
    /// <summary>Returns the value at a path, or null when it does not exist.</summary>
    JsonNode? Resolve(IReadOnlyList<string> path);
}

/// <summary>A scope over a JSON object whose top-level properties are the roots.</summary>
public sealed class JsonScope(JsonObject roots) : IExpressionScope
{
    /// <inheritdoc />
    public JsonNode? Resolve(IReadOnlyList<string> path)
    {
        JsonNode? node = roots;
        foreach (var seg in path)
        {
            node = node switch
            {
                // Below an unknown value everything is unknown (steps.server.outputs.id while `server` has not run).
                JsonValue u when Unknown.Is(u, out _) => u,
                JsonObject o => o.TryGetPropertyValue(seg, out var v) ? v : null,
                JsonArray a when int.TryParse(seg, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }
}
