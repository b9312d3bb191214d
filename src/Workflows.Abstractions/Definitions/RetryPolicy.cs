namespace Workflows.Abstractions.Definitions;

/// <summary>How a step's failed attempts are retried.</summary>
public sealed record RetryPolicy
{
    /// <summary>Gets a policy with a single attempt.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Gets the default for compensations: 3 attempts, exponential from 2 s to 1 min.</summary>
    public static RetryPolicy CompensationDefault { get; } = new()
    {
        MaxAttempts = 3,
        InitialDelay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromMinutes(1),
    };

    /// <summary>Gets the total number of attempts (1 = no retry). Default is 1.</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>Gets the backoff kind. Default is <see cref="BackoffKind.Exponential"/>.</summary>
    public BackoffKind Backoff { get; init; } = BackoffKind.Exponential;

    /// <summary>Gets the delay before the second attempt. Default is 1 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the largest delay between attempts. Default is 5 min.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the jitter as a fraction (0 to 1) of the delay, spread both ways. Default is 0.2.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Gets error codes that fail the step at once.</summary>
    public IReadOnlyList<string> NonRetryable { get; init; } = [];

    /// <summary>
    /// Returns the delay after failed attempt <paramref name="attempt"/> (1-based) before the next one.
    /// </summary>
    /// <param name="attempt">The attempt that just failed.</param>
    /// <param name="random">A number in [0, 1) that places the delay in the jitter band.</param>
    public TimeSpan DelayAfter(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var baseMs = InitialDelay.TotalMilliseconds;
        if (Backoff == BackoffKind.Exponential)
        {
            baseMs *= Math.Pow(2, Math.Min(attempt - 1, 30));
        }

        baseMs = Math.Min(baseMs, MaxDelay.TotalMilliseconds);
        var factor = 1 + (Jitter * ((random * 2) - 1));
        var ms = Math.Clamp(baseMs * factor, 0, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Round(ms));
    }

    /// <summary>Returns whether a failure with <paramref name="errorCode"/> may be retried by this policy.</summary>
    public bool AllowsRetryOf(string errorCode) => !NonRetryable.Contains(errorCode, StringComparer.Ordinal);
}

/// <summary>How retry delays grow.</summary>
public enum BackoffKind
{
    /// <summary>The same delay every time.</summary>
    Fixed,

    /// <summary>The delay doubles after each attempt, up to the maximum.</summary>
    Exponential,
}
