namespace Workflows.Abstractions.Secrets;

/// <summary>
/// Replaces known secret values with <see cref="Secret.Mask"/> in text that leaves an action or the engine
/// (logs, audit messages, errors). The one redactor of the code base: the engine, the actions and the test kit use it.
/// </summary>
/// <remarks>
/// A value shorter than <see cref="MinLength"/> is not masked: masking <c>no</c> or <c>42</c> everywhere would garble every
/// log while protecting nothing. A multi-line secret (a private key) is also masked line by line, so a tool that echoes one
/// line of it is caught too; lines shorter than <see cref="MinLineLength"/> and PEM armour lines (<c>-----BEGIN …</c>) are not.
/// </remarks>
public sealed class Redactor
{
    /// <summary>The shortest secret value that is masked (3 characters; the engine's rule, the stricter of the two redactors this one replaced).</summary>
    public const int MinLength = 3;

    /// <summary>The shortest line of a multi-line secret that is masked on its own (12 characters).</summary>
    public const int MinLineLength = 12;

    private readonly List<string> needles = [];

    /// <summary>Creates a redactor that knows no secrets yet.</summary>
    public Redactor()
    {
    }

    /// <summary>Creates a redactor for these secret values.</summary>
    /// <param name="secrets">The plain values to mask.</param>
    public Redactor(IEnumerable<string?> secrets)
    {
        foreach (var s in secrets)
        {
            Add(s);
        }
    }

    /// <summary>Gets a redactor that knows no secrets.</summary>
    public static Redactor None { get; } = new();

    /// <summary>Gets whether the redactor knows no secret.</summary>
    public bool IsEmpty => needles.Count == 0;

    /// <summary>Adds a value to mask, and each long enough line of it; ignored when null or shorter than <see cref="MinLength"/>.</summary>
    /// <param name="value">The plain value.</param>
    /// <returns>This redactor.</returns>
    public Redactor Add(string? value)
    {
        if (string.IsNullOrEmpty(value) || ReferenceEquals(this, None))
        {
            return this;
        }

        if (value.Length >= MinLength)
        {
            AddNeedle(value);
        }

        if (value.Contains('\n', StringComparison.Ordinal))
        {
            foreach (var line in value.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length >= MinLineLength && !line.StartsWith("-----", StringComparison.Ordinal))
                {
                    AddNeedle(line);
                }
            }
        }

        return this;
    }

    /// <summary>Adds a secret (see <see cref="Add(string?)"/>).</summary>
    /// <param name="secret">The secret, or null.</param>
    /// <returns>This redactor.</returns>
    public Redactor Add(Secret? secret) => secret is null ? this : Add(secret.Reveal());

    /// <summary>Returns <paramref name="text"/> with every known secret replaced by <see cref="Secret.Mask"/> (empty for null).</summary>
    /// <param name="text">The text to clean.</param>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        lock (needles)
        {
            foreach (var n in needles)
            {
                if (text.Contains(n, StringComparison.Ordinal))
                {
                    text = text.Replace(n, Secret.Mask, StringComparison.Ordinal);
                }
            }
        }

        return text;
    }

    private void AddNeedle(string value)
    {
        lock (needles)
        {
            if (needles.Contains(value, StringComparer.Ordinal))
            {
                return;
            }

            needles.Add(value);

            // Longest first, so a secret that contains another is masked whole.
            needles.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }
}
