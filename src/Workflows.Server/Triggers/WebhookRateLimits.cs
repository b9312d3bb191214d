using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Workflows.Server.Triggers;

/// <summary>
/// The two rate limits of webhooks. Authenticated deliveries (valid signature) count against their hook's bucket;
/// deliveries that fail before or at authentication (bad or missing signature, too large) count against a bucket per
/// source address. Strangers therefore exhaust only their own bucket and can never make a signed delivery wait.
/// </summary>
public sealed class WebhookRateLimits(IOptionsMonitor<WebhookOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, Bucket> hooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Bucket> sources = new(StringComparer.Ordinal);

    /// <summary>Takes one permit of the hook's bucket (authenticated deliveries only); false when the hook is over its rate.</summary>
    public bool TryAcquireAuthenticated(HookInfo hook, out TimeSpan retryAfter) =>
        TryAcquire(hooks, hook.Name, hook.PermitsPerMinute, hook.Burst, out retryAfter);

    /// <summary>Takes one permit of the source address's bucket of failed deliveries; false when that source is over its rate.</summary>
    public bool TryAcquireUnauthenticated(string source, out TimeSpan retryAfter)
    {
        var o = options.CurrentValue;
        if (sources.Count > 10_000)
        {
            // Many addresses (a scan): forget full buckets, which are the same as new ones.
            foreach (var (k, b) in sources)
            {
                if (b.Limiter.GetStatistics()?.CurrentAvailablePermits >= b.Burst && sources.TryRemove(k, out var removed))
                {
                    removed.Limiter.Dispose();
                }
            }
        }

        return TryAcquire(sources, source, o.UnauthenticatedPermitsPerMinute, o.UnauthenticatedBurst, out retryAfter);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in hooks.Values.Concat(sources.Values))
        {
            b.Limiter.Dispose();
        }
    }

    private static bool TryAcquire(ConcurrentDictionary<string, Bucket> buckets, string key, int permitsPerMinute, int burst, out TimeSpan retryAfter)
    {
        var permits = Math.Max(1, permitsPerMinute);
        burst = Math.Max(1, burst);
        var entry = buckets.AddOrUpdate(
            key,
            _ => new Bucket(permits, burst, Create(permits, burst)),
            (_, old) =>
            {
                if (old.Permits == permits && old.Burst == burst)
                {
                    return old;
                }

                old.Limiter.Dispose();
                return new Bucket(permits, burst, Create(permits, burst));
            });
        using var lease = entry.Limiter.AttemptAcquire();
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var r) ? r : TimeSpan.FromMinutes(1.0 / permits);
        return lease.IsAcquired;
    }

    private static TokenBucketRateLimiter Create(int permitsPerMinute, int burst) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / permitsPerMinute),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    private sealed record Bucket(int Permits, int Burst, TokenBucketRateLimiter Limiter);
}
