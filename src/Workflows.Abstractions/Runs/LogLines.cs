using System.Globalization;
using System.Text;

namespace Workflows.Abstractions.Runs;

/// <summary>One line of a run's log with the step that wrote it and when.</summary>
/// <param name="StepId">The step, or null for the engine's own lines.</param>
/// <param name="At">When its first chunk was written.</param>
/// <param name="Text">The text, without the line break.</param>
public sealed record LogLine(string? StepId, DateTimeOffset At, string Text)
{
    /// <summary>Gets whether a compensation wrote it.</summary>
    public bool IsCompensation => StepId?.StartsWith("compensate:", StringComparison.Ordinal) == true;
}

/// <summary>
/// Turns log chunks into lines (a chunk may end mid-line; the next chunk of the same step continues it) and marks
/// where a try or the compensation begins; one rule for the portal's view and the <c>logs.txt</c> download.
/// </summary>
public sealed class LogLines
{
    private readonly List<LogLine> lines = [];
    private bool lastOpen;

    /// <summary>Gets the lines so far.</summary>
    public IReadOnlyList<LogLine> Lines => lines;

    /// <summary>Adds a chunk.</summary>
    public void Append(LogChunk chunk)
    {
        var parts = chunk.Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < parts.Length; i++)
        {
            if (i == 0 && lastOpen && lines.Count > 0 && lines[^1].StepId == chunk.StepId)
            {
                lines[^1] = lines[^1] with { Text = lines[^1].Text + parts[0] };
            }
            else if (i < parts.Length - 1 || parts[i].Length > 0)
            {
                lines.Add(new LogLine(chunk.StepId, chunk.At, parts[i]));
            }
        }

        lastOpen = chunk.Text.Length > 0 && !chunk.Text.EndsWith('\n');
    }

    /// <summary>Drops the oldest lines beyond <paramref name="max"/>; returns how many were dropped.</summary>
    public int TrimTo(int max)
    {
        var extra = lines.Count - max;
        if (extra <= 0)
        {
            return 0;
        }

        lines.RemoveRange(0, extra);
        return extra;
    }

    /// <summary>
    /// Returns the boundary that opens before <paramref name="current"/>, or null: "Try N" when a manual retry started
    /// between the two lines, "Compensation" when the first compensation line follows other lines.
    /// </summary>
    /// <param name="previous">The line before, or null for the first.</param>
    /// <param name="current">The line.</param>
    /// <param name="retries">When each manual retry started, oldest first (try 2, try 3…).</param>
    public static string? Boundary(LogLine? previous, LogLine current, IReadOnlyList<DateTimeOffset> retries)
    {
        for (var i = retries.Count - 1; i >= 0; i--)
        {
            if (current.At >= retries[i] && (previous is null || previous.At < retries[i]))
            {
                return $"Try {i + 2}";
            }
        }

        return current.IsCompensation && previous is { IsCompensation: false } ? "Compensation" : null;
    }

    /// <summary>
    /// Returns the name a downloaded log is saved under, one rule for the portal's button and <c>logs.txt</c>:
    /// <c>&lt;workflow&gt;-&lt;short id&gt;-logs.txt</c>, or <c>&lt;workflow&gt;-&lt;short id&gt;-&lt;step&gt;-logs.txt</c> for
    /// one step's lines. Every character but ASCII letters, digits, <c>.</c>, <c>_</c> and <c>-</c> becomes <c>-</c>
    /// (so the name needs no quoting or encoding in a <c>Content-Disposition</c> header and is safe on any file system),
    /// and a name never starts with a dot.
    /// </summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="runId">The run.</param>
    /// <param name="stepId">The one step whose lines are downloaded, or null for the whole log.</param>
    /// <returns>The file name.</returns>
    public static string FileName(string workflow, Guid runId, string? stepId = null)
    {
        var name = new StringBuilder();
        foreach (var c in stepId is null ? $"{workflow}-{runId.ToString()[..8]}-logs.txt" : $"{workflow}-{runId.ToString()[..8]}-{stepId}-logs.txt")
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        return name.ToString().TrimStart('.');
    }

    /// <summary>Writes lines as text: each with its UTC time and step, boundaries as separator lines.</summary>
    public static string Format(IEnumerable<LogLine> lines, IReadOnlyList<DateTimeOffset> retries)
    {
        var text = new StringBuilder();
        LogLine? previous = null;
        foreach (var line in lines)
        {
            if (Boundary(previous, line, retries) is { } boundary)
            {
                text.Append("===== ").Append(boundary).Append(" =====\n");
            }

            text.Append(line.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append(" [").Append(line.StepId ?? "run").Append("] ")
                .Append(line.Text).Append('\n');
            previous = line;
        }

        return text.ToString();
    }
}
