namespace Workflows.DevStack.Ssh;

/// <summary>The outcome of one remote command.</summary>
/// <param name="ExitCode">The exit status, or -1 when the command ended without one (e.g. by a signal).</param>
/// <param name="StandardOutput">What it wrote to stdout.</param>
/// <param name="StandardError">What it wrote to stderr.</param>
public sealed record SshCommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Parses <c>key=value</c> lines of <see cref="StandardOutput"/>; later keys win.</summary>
    public IReadOnlyDictionary<string, string> Values()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in StandardOutput.Split('\n'))
        {
            var i = line.IndexOf('=', StringComparison.Ordinal);
            if (i > 0)
            {
                values[line[..i].Trim()] = line[(i + 1)..].TrimEnd('\r');
            }
        }

        return values;
    }

    /// <summary>Returns the last non-empty lines of stderr (or stdout) for an error message.</summary>
    public string Tail(int lines = 5)
    {
        var text = string.IsNullOrWhiteSpace(StandardError) ? StandardOutput : StandardError;
        return string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines));
    }
}
