using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Docker.Compose;

/// <summary>
/// The variables a compose file is interpolated with, as <c>docker compose</c> does: values given by the
/// workflow win over an optional <c>.env</c> file beside the compose file. The server's own environment is
/// deliberately not a source (it holds the server's secrets, not the stack's settings).
/// </summary>
public sealed class ComposeVariables
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    /// <summary>Gets an empty set: every reference falls back to its default (or the empty string, with a warning).</summary>
    public static ComposeVariables None => new();

    /// <summary>Gets the warnings of the last interpolation (unset variables replaced by the empty string), each with path and line.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Gets the names of the variables that are set.</summary>
    public IEnumerable<string> Names => values.Keys;

    /// <summary>Sets variables, overriding those already set.</summary>
    public ComposeVariables With(IEnumerable<KeyValuePair<string, string>> variables)
    {
        foreach (var (name, value) in variables)
        {
            values[name] = value;
        }

        return this;
    }

    /// <summary>Sets variables from <c>.env</c> text, only those not already set (the workflow's values win).</summary>
    /// <param name="dotEnv">The text: <c>NAME=value</c> lines, <c>#</c> comments, optional <c>export</c>, single or double quotes.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <exception cref="StepFailedException">Code <c>docker.compose.invalid</c> naming the file and line of a malformed entry.</exception>
    public ComposeVariables WithDefaults(string dotEnv, string source)
    {
        foreach (var (name, value) in ParseDotEnv(dotEnv, source))
        {
            values.TryAdd(name, value);
        }

        return this;
    }

    /// <summary>Returns a variable's value, or null when unset.</summary>
    public string? Get(string name) => values.GetValueOrDefault(name);

    /// <summary>Parses <c>.env</c> text the way docker compose reads it.</summary>
    /// <exception cref="StepFailedException">Code <c>docker.compose.invalid</c> naming the file and line of a malformed entry.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseDotEnv(string text, string source)
    {
        var result = new List<KeyValuePair<string, string>>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? line : line[..eq]).Trim();
            if (!IsName(name))
            {
                throw Invalid($"{source} line {lineNumber}: '{name}' is not a variable name (letters, digits and _, not starting with a digit)");
            }

            if (eq < 0)
            {
                // "NAME" alone takes the value from the shell in docker compose; there is no shell here.
                continue;
            }

            var raw = line[(eq + 1)..].TrimStart();
            string value;
            if (raw.Length > 0 && raw[0] is '\'' or '"')
            {
                var quote = raw[0];
                var buffer = new StringBuilder();
                var closed = false;
                var rest = raw[1..];
                while (!closed)
                {
                    for (var j = 0; j < rest.Length; j++)
                    {
                        var c = rest[j];
                        if (quote == '"' && c == '\\' && j + 1 < rest.Length)
                        {
                            j++;
                            buffer.Append(rest[j] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
                        }
                        else if (c == quote)
                        {
                            closed = true;
                            var after = rest[(j + 1)..].Trim();
                            if (after.Length > 0 && after[0] != '#')
                            {
                                throw Invalid($"{source} line {lineNumber}: unexpected '{after}' after the closing quote of {name}");
                            }

                            break;
                        }
                        else
                        {
                            buffer.Append(c);
                        }
                    }

                    if (!closed)
                    {
                        // A quoted value may span lines.
                        if (++i >= lines.Length)
                        {
                            throw Invalid($"{source} line {lineNumber}: the value of {name} has no closing {quote}");
                        }

                        buffer.Append('\n');
                        rest = lines[i];
                    }
                }

                value = buffer.ToString();
            }
            else
            {
                var comment = raw.IndexOf(" #", StringComparison.Ordinal);
                value = (comment >= 0 ? raw[..comment] : raw).TrimEnd();
            }

            result.Add(KeyValuePair.Create(name, value));
        }

        return result;
    }

    /// <summary>
    /// Interpolates every scalar value (not keys) of a parsed compose document in place: <c>$VAR</c>, <c>${VAR}</c>,
    /// <c>${VAR:-default}</c>, <c>${VAR-default}</c>, <c>${VAR:?error}</c>, <c>${VAR?error}</c>, <c>${VAR:+alt}</c>,
    /// <c>${VAR+alt}</c>, and <c>$$</c> for a literal <c>$</c>; defaults may hold references themselves.
    /// </summary>
    /// <exception cref="StepFailedException">Code <c>docker.compose.invalid</c> naming the variable, the key path and the line.</exception>
    public void Interpolate(YamlNode root)
    {
        Warnings.Clear();
        foreach (var (node, path, text) in YamlReader.Scalars(root, string.Empty))
        {
            if (text.Contains('$', StringComparison.Ordinal))
            {
                YamlReader.Replace(node, Substitute(text, path.Length == 0 ? "(root)" : path, YamlReader.LineOf(node)));
            }
        }
    }

    /// <summary>Interpolates one value found at <paramref name="path"/> on <paramref name="line"/>.</summary>
    /// <exception cref="StepFailedException">Code <c>docker.compose.invalid</c> naming the variable, the path and the line.</exception>
    public string Substitute(string text, string path, int line)
    {
        var output = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$')
            {
                output.Append(c);
                i++;
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '$')
            {
                output.Append('$');
                i += 2;
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = ClosingBrace(text, i + 2);
                if (end < 0)
                {
                    throw InvalidFormat(text, path, line, "a '${' has no closing '}'");
                }

                output.Append(Braced(text[(i + 2)..end], text, path, line));
                i = end + 1;
                continue;
            }

            var n = i + 1;
            while (n < text.Length && (char.IsAsciiLetterOrDigit(text[n]) || text[n] == '_'))
            {
                n++;
            }

            var name = text[(i + 1)..n];
            if (!IsName(name))
            {
                throw InvalidFormat(text, path, line, "a '$' is not followed by a variable name");
            }

            output.Append(Lookup(name, path, line));
            i = n;
        }

        return output.ToString();
    }

    private static int ClosingBrace(string text, int from)
    {
        var depth = 0;
        for (var j = from; j < text.Length; j++)
        {
            if (text[j] == '$' && j + 1 < text.Length && text[j + 1] == '{')
            {
                depth++;
                j++;
            }
            else if (text[j] == '}')
            {
                if (depth == 0)
                {
                    return j;
                }

                depth--;
            }
        }

        return -1;
    }

    private string Braced(string inner, string text, string path, int line)
    {
        var n = 0;
        while (n < inner.Length && (char.IsAsciiLetterOrDigit(inner[n]) || inner[n] == '_'))
        {
            n++;
        }

        var name = inner[..n];
        if (!IsName(name))
        {
            throw InvalidFormat(text, path, line, $"'${{{inner}}}' does not start with a variable name");
        }

        var rest = inner[n..];
        var value = Get(name);
        if (rest.Length == 0)
        {
            return Lookup(name, path, line);
        }

        var colon = rest[0] == ':';
        var op = colon ? (rest.Length > 1 ? rest[1] : '\0') : rest[0];
        var word = rest[(colon ? 2 : 1)..];
        var missing = colon ? string.IsNullOrEmpty(value) : value is null;
        switch (op)
        {
            case '-':
                return missing ? Substitute(word, path, line) : value!;
            case '?':
                if (missing)
                {
                    var message = Substitute(word, path, line);
                    throw Invalid($"required variable {name} is missing a value{(message.Length > 0 ? ": " + message : string.Empty)} ({path}, line {line})");
                }

                return value!;
            case '+':
                return missing ? string.Empty : Substitute(word, path, line);
            default:
                throw InvalidFormat(text, path, line, $"'${{{inner}}}' uses an unknown modifier (use :-, -, :?, ?, :+ or +)");
        }
    }

    private string Lookup(string name, string path, int line)
    {
        if (Get(name) is { } value)
        {
            return value;
        }

        Warnings.Add($"The \"{name}\" variable is not set. Defaulting to a blank string ({path}, line {line}).");
        return string.Empty;
    }

    private static bool IsName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static StepFailedException InvalidFormat(string text, string path, int line, string problem) =>
        Invalid($"invalid interpolation format for {path} on line {line}: \"{text}\": {problem}. You may need to escape any $ with another $.");

    private static StepFailedException Invalid(string message) => new("docker.compose.invalid", message, retryable: false);
}
