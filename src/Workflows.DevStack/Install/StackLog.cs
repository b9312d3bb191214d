using Workflows.DevStack.Remote;

namespace Workflows.DevStack.Install;

/// <summary>Recognises the lines with which stack.sh reports a failure.</summary>
internal static class StackLog
{
    /// <summary>The most telling line first: devstack's <c>die</c> prints <c>[ERROR] file:line message</c>.</summary>
    private static readonly string[] Markers = ["[ERROR]", "stack.sh failed", "Error on exit", "+ exit_trap"];

    /// <summary>Returns the rank of a failure line (lower is more telling), or -1 for an ordinary line.</summary>
    public static int FailureRank(string line)
    {
        for (var i = 0; i < Markers.Length; i++)
        {
            if (line.Contains(Markers[i], StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Folds new lines into the state: keeps the most telling failure line (the first of its rank) and the last <paramref name="tailLines"/> lines.</summary>
    public static void Observe(JobState state, IEnumerable<string> lines, int tailLines = 15)
    {
        var bestRank = state.FailureLine is null ? int.MaxValue : FailureRank(state.FailureLine);
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var shortLine = line.Length > 500 ? line[..500] + "…" : line;
            var rank = FailureRank(line);
            if (rank >= 0 && rank < bestRank)
            {
                state.FailureLine = shortLine;
                bestRank = rank;
            }

            state.Tail.Add(shortLine);
        }

        if (state.Tail.Count > tailLines)
        {
            state.Tail.RemoveRange(0, state.Tail.Count - tailLines);
        }
    }
}
