using Workflows.Abstractions.Definitions;

namespace Workflows.Engine.Tests.Definitions;

public class PollScheduleTests
{
    [Fact]
    public void DelayAfter_GrowsByTheFactor_UpToTheMax()
    {
        var s = new PollSchedule(TimeSpan.FromSeconds(5), 1.5, TimeSpan.FromSeconds(15));

        Assert.Equal([5, 7.5, 11.25, 15, 15], Enumerable.Range(0, 5).Select(n => s.DelayAfter(n).TotalSeconds));
    }

    [Fact]
    public void DelayAfter_StaysAtTheMax_ForAnyNumberOfWaits()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), PollSchedule.Default.DelayAfter(int.MaxValue));
    }

    [Fact]
    public void DelayAfter_IsConstant_WithFactorOne()
    {
        var s = new PollSchedule(TimeSpan.FromSeconds(3), 1, TimeSpan.FromSeconds(3));

        Assert.All(Enumerable.Range(0, 10), n => Assert.Equal(TimeSpan.FromSeconds(3), s.DelayAfter(n)));
        Assert.Equal("every 3s", s.ToString());
    }

    [Theory]
    [InlineData(0, 2, 10, "initial")]
    [InlineData(1, 0.9, 10, "factor")]
    [InlineData(1, 11, 10, "factor")]
    [InlineData(5, 2, 4, "max")]
    public void Constructor_Throws_NamingTheValueOutOfRange(double initialSeconds, double factor, double maxSeconds, string field)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PollSchedule(TimeSpan.FromSeconds(initialSeconds), factor, TimeSpan.FromSeconds(maxSeconds)));

        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void ToString_DescribesTheSchedule()
    {
        Assert.Equal("1s, ×2 up to 30s", PollSchedule.Default.ToString());
        Assert.Equal("250ms, ×1.5 up to 2m", new PollSchedule(TimeSpan.FromMilliseconds(250), 1.5, TimeSpan.FromMinutes(2)).ToString());
    }
}
