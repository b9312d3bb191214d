using System.Globalization;

namespace Workflows.Abstractions.Definitions;

/// <summary>
/// When a waiting step is polled again: <see cref="Initial"/> after the first wait, then
/// <see cref="Factor"/> times longer after each further wait, never longer than <see cref="Max"/>
/// (e.g. 1 s, 2 s, 4 s, 8 s, 10 s, 10 s …).
/// </summary>
/// <remarks>
/// A step's schedule is its <c>poll:</c> in the workflow file, else the default its action declared
/// when it was registered, else <see cref="Default"/>. It applies to the waits an action reports with
/// <c>StepResult.Pending(progress, state)</c>; an action that names a delay itself (a timer, an expiry)
/// is polled when it asked.
/// </remarks>
public sealed record PollSchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <param name="initial">The delay before the first poll; positive.</param>
    /// <param name="factor">How much each further delay grows, from 1 (constant) to 10.</param>
    /// <param name="max">The longest delay; not shorter than <paramref name="initial"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public PollSchedule(TimeSpan initial, double factor, TimeSpan max)
    {
        if (Validate(initial, factor, max) is { } error)
        {
            throw new ArgumentOutOfRangeException(error.Field, error.Message);
        }

        Initial = initial;
        Factor = factor;
        Max = max;
    }

    /// <summary>Gets the schedule of actions that declare none: 1 s, doubling up to 30 s.</summary>
    public static PollSchedule Default { get; } = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30));

    /// <summary>Gets the delay before the first poll.</summary>
    public TimeSpan Initial { get; }

    /// <summary>Gets how much each further delay grows (1 keeps it constant).</summary>
    public double Factor { get; }

    /// <summary>Gets the longest delay.</summary>
    public TimeSpan Max { get; }

    /// <summary>Checks the values of a schedule; returns the field at fault and why, or null when they are valid.</summary>
    /// <param name="initial">The delay before the first poll.</param>
    /// <param name="factor">The growth factor.</param>
    /// <param name="max">The longest delay.</param>
    public static (string Field, string Message)? Validate(TimeSpan initial, double factor, TimeSpan max)
    {
        if (initial <= TimeSpan.Zero)
        {
            return ("initial", "must be positive");
        }

        if (double.IsNaN(factor) || factor < 1 || factor > 10)
        {
            return ("factor", $"must be a number from 1 to 10, not {factor.ToString(CultureInfo.InvariantCulture)}");
        }

        if (max < initial)
        {
            return ("max", "must not be shorter than initial");
        }

        return null;
    }

    /// <summary>Returns the delay before the next poll when the attempt has already waited <paramref name="waits"/> times.</summary>
    /// <param name="waits">How many polls of this attempt came before (0 when the attempt first reports a wait).</param>
    public TimeSpan DelayAfter(int waits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(waits);
        var ms = Initial.TotalMilliseconds * Math.Pow(Factor, Math.Min(waits, 64));
        return ms >= Max.TotalMilliseconds ? Max : TimeSpan.FromMilliseconds(Math.Round(ms));
    }

    /// <summary>Describes the schedule for people, e.g. <c>1s, ×2 up to 10s</c>.</summary>
    public override string ToString() =>
        Factor == 1 || Initial == Max
            ? $"every {Format(Initial)}"
            : $"{Format(Initial)}, ×{Factor.ToString("0.##", CultureInfo.InvariantCulture)} up to {Format(Max)}";

    private static string Format(TimeSpan d) =>
        d < TimeSpan.FromSeconds(1) ? $"{(long)d.TotalMilliseconds}ms"
        : d < TimeSpan.FromMinutes(1) ? $"{d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
        : d.TotalMinutes == Math.Floor(d.TotalMinutes) ? $"{(long)d.TotalMinutes}m"
        : $"{d.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)}s";
}
