using System.Globalization;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Workflows.Engine.Execution;

/// <summary>
/// How long ready work waits for a worker right now: the sweeper adds it to <see cref="EngineOptions.DispatchGrace"/>,
/// so a dispatch that is merely queued behind a backlog is not dispatched again (which would only lengthen the
/// backlog), while one that was truly lost still is, once it is later than the grace plus the backlog.
/// </summary>
public interface IQueueBacklog
{
    /// <summary>Returns how long the oldest ready job has been waiting (zero when none waits).</summary>
    /// <param name="ct">A token.</param>
    Task<TimeSpan> MeasureAsync(CancellationToken ct);
}

/// <summary>
/// Measures the backlog in Hangfire's storage: the oldest job still in the engine's queue (not fetched by a worker),
/// and the oldest scheduled job whose time has come but which the scheduler has not moved to the queue yet.
/// </summary>
/// <remarks>
/// A few reads per measurement, whatever the number of jobs: the first page of the queue (ordered by job id; the
/// oldest of the first <see cref="QueueSample"/> counts) and the lowest score of the schedule set up to now. A job that
/// was lost is in neither, so it does not lengthen the grace of its own step.
/// </remarks>
public sealed class HangfireQueueBacklog(JobStorage storage, IOptions<EngineOptions> options, TimeProvider clock) : IQueueBacklog
{
    /// <summary>How many jobs at the head of the queue are looked at.</summary>
    public const int QueueSample = 20;

    private readonly string queue = options.Value.Queue;

    /// <inheritdoc />
    public Task<TimeSpan> MeasureAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? oldest = null;

        var monitoring = storage.GetMonitoringApi();
        foreach (var (_, job) in monitoring.EnqueuedJobs(queue, 0, QueueSample))
        {
            if (job is { InEnqueuedState: true, EnqueuedAt: { } at } && (oldest is null || at < oldest))
            {
                oldest = at;
            }
        }

        using (var connection = storage.GetConnection())
        {
            // Scores are Unix seconds of the time a scheduled job is due (Hangfire's DelayedJobScheduler reads the same set).
            var nowScore = new DateTimeOffset(now).ToUnixTimeSeconds();
            // A value is a job id, or "queue:job id" for a job scheduled to a queue (Hangfire 1.8).
            if (connection.GetFirstByLowestScoreFromSet("schedule", 0, nowScore) is { } value
                && value[(value.LastIndexOf(':') + 1)..] is { Length: > 0 } jobId
                && connection.GetStateData(jobId) is { Name: "Scheduled" } state
                && state.Data.TryGetValue("EnqueueAt", out var raw)
                && ParseHangfireTime(raw) is { } due
                && (oldest is null || due < oldest))
            {
                oldest = due;
            }
        }

        return Task.FromResult(oldest is { } o && o < now ? now - o : TimeSpan.Zero);
    }

    /// <summary>Hangfire stores times in state data as Unix milliseconds (current format) or ISO 8601 (older jobs).</summary>
    private static DateTime? ParseHangfireTime(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime
            : DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
