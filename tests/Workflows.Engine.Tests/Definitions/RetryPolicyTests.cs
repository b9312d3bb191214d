using Workflows.Abstractions.Definitions;

namespace Workflows.Engine.Tests.Definitions;

public class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    [InlineData(4, 8000)]
    [InlineData(5, 10000)]
    [InlineData(40, 10000)]
    public void DelayAfter_DoublesUpToTheMaximum_WhenExponentialWithoutJitter(int attempt, int expectedMs)
    {
        var p = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), Jitter = 0 };
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), p.DelayAfter(attempt, 0.99));
    }

    [Fact]
    public void DelayAfter_StaysConstant_WhenFixed()
    {
        var p = new RetryPolicy { Backoff = BackoffKind.Fixed, InitialDelay = TimeSpan.FromSeconds(3), Jitter = 0 };
        Assert.Equal(TimeSpan.FromSeconds(3), p.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(3), p.DelayAfter(7, 0.5));
    }

    [Theory]
    [InlineData(0.0, 800)]
    [InlineData(0.5, 1000)]
    [InlineData(0.999999, 1200)]
    public void DelayAfter_SpreadsWithinTheJitterBand(double random, int expectedMs)
    {
        var p = new RetryPolicy { Backoff = BackoffKind.Fixed, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0.2 };
        Assert.Equal(expectedMs, p.DelayAfter(1, random).TotalMilliseconds, 0);
    }

    [Fact]
    public void DelayAfter_NeverExceedsMaxDelay_EvenWithJitter()
    {
        var p = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(10), Jitter = 0.5 };
        Assert.Equal(TimeSpan.FromSeconds(10), p.DelayAfter(3, 0.999));
    }

    [Fact]
    public void AllowsRetryOf_IsFalse_ForNonRetryableCodes()
    {
        var p = new RetryPolicy { NonRetryable = ["nova.fault"] };
        Assert.False(p.AllowsRetryOf("nova.fault"));
        Assert.True(p.AllowsRetryOf("http.status"));
    }
}
