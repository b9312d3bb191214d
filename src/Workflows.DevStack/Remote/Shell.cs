namespace Workflows.DevStack.Remote;

/// <summary>Builds POSIX shell command lines.</summary>
internal static class Shell
{
    /// <summary>Quotes <paramref name="value"/> as one single-quoted shell word.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Returns <c>bash -s -- 'a' 'b'</c>, run as <paramref name="asUser"/> through <c>sudo -n -u</c> when given; the script comes on stdin.</summary>
    public static string BashScript(string? asUser, params IEnumerable<string> arguments)
    {
        var args = string.Join(' ', arguments.Select(Quote));
        return asUser is null ? $"bash -s -- {args}" : $"sudo -n -u {Quote(asUser)} -H bash -s -- {args}";
    }
}
