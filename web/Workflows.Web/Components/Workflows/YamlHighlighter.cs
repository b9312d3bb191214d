namespace Workflows.Web.Components.Workflows;

/// <summary>The kind of a piece of highlighted YAML.</summary>
public enum YamlTokenKind
{
    /// <summary>Anything else: indentation, punctuation, plain values.</summary>
    Plain,

    /// <summary>A mapping key (before its colon).</summary>
    Key,

    /// <summary>A quoted string.</summary>
    String,

    /// <summary>A comment (from <c>#</c> to the end of the line).</summary>
    Comment,

    /// <summary>An expression <c>${{ … }}</c>.</summary>
    Expression,
}

/// <summary>One piece of a highlighted line.</summary>
public sealed record YamlToken(YamlTokenKind Kind, string Text);

/// <summary>
/// A small line-by-line YAML tokenizer for showing definitions: keys, quoted strings, comments and <c>${{ }}</c>
/// expressions. It never fails and never loses a character (the tokens of a line concatenate to the line), so even a
/// file that does not parse shows exactly as written.
/// </summary>
public static class YamlHighlighter
{
    /// <summary>Splits <paramref name="source"/> into lines of tokens.</summary>
    public static IReadOnlyList<IReadOnlyList<YamlToken>> Highlight(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(Line).ToList();
    }

    /// <summary>Splits one line into tokens.</summary>
    public static IReadOnlyList<YamlToken> Line(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var tokens = new List<YamlToken>();
        var plain = new System.Text.StringBuilder();
        var i = 0;

        void Flush()
        {
            if (plain.Length > 0)
            {
                tokens.Add(new YamlToken(YamlTokenKind.Plain, plain.ToString()));
                plain.Clear();
            }
        }

        void Emit(YamlTokenKind kind, int end)
        {
            Flush();
            tokens.Add(new YamlToken(kind, line[i..end]));
            i = end;
        }

        // A key: at the start of the line (after indentation and "- "), or after "{" or "," in a flow mapping.
        var keyAllowed = true;
        while (i < line.Length)
        {
            var c = line[i];
            if (line.AsSpan(i).StartsWith("${{", StringComparison.Ordinal))
            {
                var close = line.IndexOf("}}", i + 3, StringComparison.Ordinal);
                Emit(YamlTokenKind.Expression, close < 0 ? line.Length : close + 2);
                keyAllowed = false;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                Emit(YamlTokenKind.Comment, line.Length);
            }
            else if (c is '"' or '\'')
            {
                var end = i + 1;
                while (end < line.Length && line[end] != c)
                {
                    end += line[end] == '\\' && c == '"' ? 2 : 1;
                }

                var stop = Math.Min(line.Length, end + 1);
                var isKey = keyAllowed && stop < line.Length && line[stop] == ':';
                StringToken(isKey ? YamlTokenKind.Key : YamlTokenKind.String, stop);
                keyAllowed = false;
            }
            else if (keyAllowed && !char.IsWhiteSpace(c) && c is not '-' and not '{' and not '[' and not ',' and not '}' and not ']' && KeyEnd(line, i) is { } keyEnd)
            {
                Emit(YamlTokenKind.Key, keyEnd);
                keyAllowed = false;
            }
            else
            {
                if (c is '{' or ',')
                {
                    keyAllowed = true;
                }
                else if (c == '-' && (i + 1 == line.Length || line[i + 1] == ' ') && line[..i].Trim().Replace("-", "", StringComparison.Ordinal).Length == 0)
                {
                    keyAllowed = true; // a list item: "- key: value"
                }
                else if (!char.IsWhiteSpace(c))
                {
                    keyAllowed = false;
                }

                plain.Append(c);
                i++;
            }
        }

        Flush();
        return tokens;

        // A quoted string may hold expressions: split them out so they stand out inside strings too.
        void StringToken(YamlTokenKind kind, int end)
        {
            Flush();
            var text = line[i..end];
            var at = 0;
            while (kind == YamlTokenKind.String && text.IndexOf("${{", at, StringComparison.Ordinal) is var open and >= 0)
            {
                var close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
                var stop = close < 0 ? text.Length : close + 2;
                if (open > at)
                {
                    tokens.Add(new YamlToken(kind, text[at..open]));
                }

                tokens.Add(new YamlToken(YamlTokenKind.Expression, text[open..stop]));
                at = stop;
            }

            if (at < text.Length)
            {
                tokens.Add(new YamlToken(kind, text[at..]));
            }

            i = end;
        }
    }

    // The end of a plain key starting at start ("name" in "name: x" or "name:" at the end), or null when it is a value.
    private static int? KeyEnd(string line, int start)
    {
        for (var j = start; j < line.Length; j++)
        {
            var c = line[j];
            if (c == ':' && (j + 1 == line.Length || line[j + 1] == ' '))
            {
                return j;
            }

            if (c is '#' or '{' or '}' or '[' or ']' or ',' or '"' or '\'')
            {
                return null;
            }
        }

        return null;
    }
}
