namespace Workflows.DevStack.Ssh;

/// <summary>SHA-256 host key fingerprints in the form <c>ssh-keygen -l</c> prints: <c>SHA256:</c> + unpadded base64.</summary>
public static class HostKeyFingerprint
{
    private const string Prefix = "SHA256:";

    /// <summary>Normalizes <c>SHA256:abc</c>, <c>abc</c> or <c>abc=</c> to <c>SHA256:abc</c>; returns null for null or blank.</summary>
    public static string? Normalize(string? fingerprint)
    {
        if (string.IsNullOrWhiteSpace(fingerprint))
        {
            return null;
        }

        var f = fingerprint.Trim();
        if (f.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            f = f[Prefix.Length..];
        }

        return Prefix + f.TrimEnd('=');
    }

    /// <summary>Returns whether two fingerprints denote the same key (base64 is case-sensitive).</summary>
    public static bool Matches(string expected, string actual) =>
        string.Equals(Normalize(expected), Normalize(actual), StringComparison.Ordinal);
}
