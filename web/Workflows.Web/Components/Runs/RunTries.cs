using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>One try of a run: the first execution, or one started by a manual retry.</summary>
/// <param name="Number">The try's number, from 1.</param>
/// <param name="Start">When it started.</param>
/// <param name="End">When it finished, or null while it runs.</param>
/// <param name="Outcome">How it finished (<c>failed</c>, <c>compensated</c>, <c>succeeded</c>…), or null while it runs.</param>
public sealed record RunTry(int Number, DateTimeOffset Start, DateTimeOffset? End, string? Outcome)
{
    /// <summary>Gets the label the portal shows, e.g. "Try 1 — compensated".</summary>
    public string Label => Outcome is null ? $"Try {Number} — running" : $"Try {Number} — {Outcome}";
}

/// <summary>
/// Splits a run's history into tries from its audit trail (<c>run.started</c>, <c>run.retried</c>, <c>run.finished</c>,
/// <c>run.compensating</c>), so the portal can group attempts and compensations by try and leave the idle time before a manual retry out of
/// durations.
/// </summary>
public static class RunTries
{
    /// <summary>Returns the run's tries, oldest first; a run never retried has one.</summary>
    public static IReadOnlyList<RunTry> From(RunSummary run, IEnumerable<AuditEvent> audit)
    {
        var events = audit.OrderBy(e => e.Id).ToList();
        var starts = new List<DateTimeOffset> { run.StartedAt ?? run.CreatedAt };
        starts.AddRange(events.Where(e => e.Kind == "run.retried").Select(e => e.At));
        var finishes = events.Where(e => e.Kind == "run.finished").ToList();
        var compensations = events.Where(e => e.Kind == "run.compensating").Select(e => e.At).ToList();
        var tries = new List<RunTry>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            var start = starts[i];
            var nextStart = i + 1 < starts.Count ? starts[i + 1] : (DateTimeOffset?)null;
            var finish = finishes.LastOrDefault(f => f.At >= start && (nextStart is null || f.At <= nextStart));
            DateTimeOffset? end = finish?.At;
            var outcome = finish is null ? null : OutcomeOf(finish.Message);
            if (nextStart is null && run.Status.IsTerminal())
            {
                end ??= run.FinishedAt;
                outcome = run.Status.ToString().ToLowerInvariant();
            }
            else if (nextStart is { } ns && end is null)
            {
                // A retry can only follow a finished try; without its event, close it at the retry.
                end = ns;
                outcome ??= "failed";
            }

            // The engine finishes a compensated run as failed ("Run failed: …"); the try is named after what the
            // operator finds: what it created was undone.
            if (outcome == "failed" && compensations.Any(c => c >= start && (nextStart is null || c <= nextStart)))
            {
                outcome = "compensated";
            }

            tries.Add(new RunTry(i + 1, start, end, outcome));
        }

        return tries;
    }

    /// <summary>Returns the number of the try a moment belongs to (1 when unknown).</summary>
    public static int TryOf(IReadOnlyList<RunTry> tries, DateTimeOffset? at)
    {
        if (at is not { } t)
        {
            return tries.Count == 0 ? 1 : tries[^1].Number;
        }

        var match = tries.LastOrDefault(x => x.Start <= t);
        return match?.Number ?? 1;
    }

    /// <summary>Returns the time the run was working: the sum of its tries, without the idle gaps before retries.</summary>
    public static TimeSpan Active(IReadOnlyList<RunTry> tries, DateTimeOffset now) =>
        tries.Aggregate(TimeSpan.Zero, (sum, t) => sum + ((t.End ?? now) - t.Start is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero));

    /// <summary>
    /// Returns the time a step was working: per try, from its first attempt's start to its last attempt's end,
    /// summed; so a manual retry's idle gap does not count. Falls back to the step's own start and end without attempts.
    /// </summary>
    public static TimeSpan? StepActive(StepView step, IReadOnlyList<RunTry> tries, DateTimeOffset now)
    {
        if (step.Attempts.Count == 0)
        {
            return step.StartedAt is { } s ? (step.FinishedAt ?? now) - s : null;
        }

        var total = TimeSpan.Zero;
        foreach (var group in step.Attempts.GroupBy(a => TryOf(tries, a.StartedAt)))
        {
            var start = group.Min(a => a.StartedAt);
            var last = group.MaxBy(a => a.StartedAt)!;
            var end = last.FinishedAt ?? (group.Key == TryOf(tries, null) ? step.FinishedAt ?? now : start);
            total += end > start ? end - start : TimeSpan.Zero;
        }

        return total;
    }

    private static string OutcomeOf(string message)
    {
        // "Run failed: …" / "Run compensated: …"
        var text = message.StartsWith("Run ", StringComparison.Ordinal) ? message[4..] : message;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return (colon >= 0 ? text[..colon] : text).Trim().ToLowerInvariant();
    }
}
