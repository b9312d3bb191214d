namespace Workflows.Abstractions.Resources;

/// <summary>
/// Matches ledger kinds against the kinds a <see cref="ResourceDeleter"/> or an <see cref="IResourceProbe"/> declares:
/// an exact kind (<c>nova.server</c>) or a family ending in <c>.*</c> (<c>kubernetes.*</c>: every kind the
/// Kubernetes actions record, <c>kubernetes.deployment</c>, <c>kubernetes.widget</c>…).
/// </summary>
/// <remarks>An exact kind wins over a family; of two families, the longer (more specific) wins.</remarks>
public static class ResourceKindPattern
{
    /// <summary>Returns whether <paramref name="pattern"/> matches <paramref name="kind"/>.</summary>
    /// <param name="pattern">An exact kind or a family <c>prefix.*</c>.</param>
    /// <param name="kind">A ledger kind.</param>
    public static bool Matches(string pattern, string kind)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(kind);
        return pattern.EndsWith(".*", StringComparison.Ordinal)
            ? kind.Length > pattern.Length - 1 && kind.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : string.Equals(pattern, kind, StringComparison.Ordinal);
    }

    /// <summary>Finds the value registered under the pattern that best matches <paramref name="kind"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="byPattern">Values by exact kind or family.</param>
    /// <param name="kind">A ledger kind.</param>
    /// <param name="value">The value found.</param>
    /// <returns>Whether one matched.</returns>
    public static bool TryFind<T>(IReadOnlyDictionary<string, T> byPattern, string kind, out T value)
    {
        ArgumentNullException.ThrowIfNull(byPattern);
        if (byPattern.TryGetValue(kind, out value!))
        {
            return true;
        }

        var best = byPattern.Keys.Where(p => p.EndsWith(".*", StringComparison.Ordinal) && Matches(p, kind)).OrderByDescending(p => p.Length).FirstOrDefault();
        if (best is null)
        {
            value = default!;
            return false;
        }

        value = byPattern[best];
        return true;
    }
}
