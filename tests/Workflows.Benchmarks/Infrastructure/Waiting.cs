using System.Diagnostics;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>Waits for a workload to finish, failing only when it stops making progress.</summary>
internal static class Waiting
{
    /// <summary>
    /// Waits until <paramref name="done"/>; throws when <paramref name="progress"/> has not moved for <paramref name="stall"/>,
    /// with what <paramref name="diagnose"/> finds (e.g. job states in the database), so a hang explains itself.
    /// </summary>
    public static async Task UntilAsync(Func<bool> done, Func<long> progress, string what, TimeSpan stall, Func<Task<string>>? diagnose, CancellationToken ct)
    {
        var last = progress();
        var since = Stopwatch.StartNew();
        while (!done())
        {
            var now = progress();
            if (now != last)
            {
                last = now;
                since.Restart();
            }
            else if (since.Elapsed > stall)
            {
                var found = diagnose is null ? "" : " " + await diagnose();
                throw new TimeoutException($"{what}: no progress for {stall} ({now} done).{found}");
            }

            await Task.Delay(5, ct);
        }
    }
}
