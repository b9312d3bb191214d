using System.Text;
using Workflows.DevStack.Install;
using Workflows.DevStack.Remote;

namespace Workflows.DevStack.Tests.Install;

public sealed class LogTextTests
{
    [Fact]
    public void Take_StopsAtTheLastNewline_WhileTheLogIsStillGrowing()
    {
        var (text, consumed) = LogText.Take("line 1\nThe password: sec"u8, final: false, full: false);

        Assert.Equal("line 1\n", text);
        Assert.Equal(7, consumed);
    }

    [Fact]
    public void Take_TakesEverything_WhenTheLogIsComplete()
    {
        var (text, consumed) = LogText.Take("a\nlast line without newline"u8, final: true, full: false);

        Assert.Equal("a\nlast line without newline", text);
        Assert.Equal(27, consumed);
    }

    [Fact]
    public void Take_NeverSplitsAUtf8Character_WhenAHugeLineFillsTheChunk()
    {
        var bytes = Encoding.UTF8.GetBytes("abc€");

        var (text, consumed) = LogText.Take(bytes.AsSpan(0, 5), final: false, full: true);

        Assert.Equal("abc", text);
        Assert.Equal(3, consumed);
    }

    [Theory]
    [InlineData("[ERROR] /opt/stack/devstack/lib/keystone:590 keystone did not start", 0)]
    [InlineData("stack.sh failed: full log in /opt/stack/logs/stack.sh.log", 1)]
    [InlineData("+ exit_trap", 3)]
    [InlineData("+ ./stack.sh:main:1010  install_infra", -1)]
    public void FailureRank_RanksDevstackFailureLines(string line, int rank) =>
        Assert.Equal(rank, StackLog.FailureRank(line));

    [Fact]
    public void Observe_KeepsTheMostTellingFailureLine_WhenSeveralAppear()
    {
        var state = new JobState();

        StackLog.Observe(state, ["+ exit_trap", "[ERROR] x:1 boom", "stack.sh failed: log", "[ERROR] y:2 later"]);

        Assert.Equal("[ERROR] x:1 boom", state.FailureLine);
        Assert.Equal(4, state.Tail.Count);
    }
}
