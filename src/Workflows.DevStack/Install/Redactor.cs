using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Install;

/// <summary>Replaces known secret values with <see cref="Secret.Mask"/> in text that leaves the action.</summary>
internal sealed class Redactor
{
    private readonly List<string> values = [];

    /// <summary>Adds a value to hide (ignored when null or too short to be a real secret).</summary>
    public Redactor Add(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value.Length >= 4 && !values.Contains(value))
        {
            values.Add(value);

            // Longer first, so a secret that contains another is hidden whole.
            values.Sort((a, b) => b.Length.CompareTo(a.Length));
        }

        return this;
    }

    /// <summary>Adds a secret, and each line of it (a private key is hidden line by line too).</summary>
    public Redactor Add(Secret? secret)
    {
        if (secret is null)
        {
            return this;
        }

        var text = secret.Reveal();
        Add(text);
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length >= 16 && !line.StartsWith("-----", StringComparison.Ordinal))
            {
                Add(line);
            }
        }

        return this;
    }

    /// <summary>Returns <paramref name="text"/> with every known value masked.</summary>
    public string Redact(string text)
    {
        foreach (var v in values)
        {
            text = text.Replace(v, Secret.Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
