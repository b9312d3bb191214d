namespace Workflows.Benchmarks.Infrastructure;

/// <summary>Percentiles of a set of gaps, in milliseconds.</summary>
internal sealed record Latency(int Count, double P50, double P95, double P99, double Max)
{
    public static Latency Of(IEnumerable<double> millis)
    {
        var sorted = millis.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Latency(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new Latency(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    public override string ToString() =>
        Count == 0 ? "n/a" : FormattableString.Invariant($"{P50:0.0} / {P95:0.0} / {P99:0.0} ms (max {Max:0}, n={Count})");

    // Nearest rank: a percentile is a value that was observed.
    private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
