using Workflows.Abstractions.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

/// <summary>The line and file-name rules shared by the portal's log view and <c>logs.txt</c>.</summary>
public sealed class LogLinesTests
{
    [Fact]
    public void Append_ContinuesAnOpenLine_OnlyWithTheSameStep()
    {
        var lines = new LogLines();

        lines.Append(new LogChunk(1, "a", TestData.T0, "step 1 of "));
        lines.Append(new LogChunk(2, "a", TestData.T0.AddSeconds(1), "42\npartial"));
        lines.Append(new LogChunk(3, "b", TestData.T0.AddSeconds(2), "from b\n"));

        Assert.Equal(["a:step 1 of 42", "a:partial", "b:from b"], lines.Lines.Select(l => $"{l.StepId}:{l.Text}"));
        Assert.Equal(TestData.T0, lines.Lines[0].At);
    }

    [Fact]
    public void Format_WritesUtcTimeStepAndBoundaries()
    {
        var retry = TestData.T0.AddMinutes(5);
        var lines = new LogLines();
        lines.Append(new LogChunk(1, "server", TestData.T0, "boom\n"));
        lines.Append(new LogChunk(2, "compensate:server", TestData.T0.AddSeconds(1), "deleted\n"));
        lines.Append(new LogChunk(3, null, retry, "retrying\n"));

        var text = LogLines.Format(lines.Lines, [retry]);

        Assert.Equal(
            "2026-01-02T03:04:05.000Z [server] boom\n"
            + "===== Compensation =====\n"
            + "2026-01-02T03:04:06.000Z [compensate:server] deleted\n"
            + "===== Try 2 =====\n"
            + "2026-01-02T03:09:05.000Z [run] retrying\n",
            text);
    }

    [Theory]
    [InlineData("install-devstack", null, "install-devstack-0f1e2d3c-logs.txt")]
    [InlineData("install-devstack", "compensate:server", "install-devstack-0f1e2d3c-compensate-server-logs.txt")]
    [InlineData("../etc/pass wd\"; rm", null, "-etc-pass-wd---rm-0f1e2d3c-logs.txt")]
    [InlineData(".hidden", null, "hidden-0f1e2d3c-logs.txt")]
    [InlineData("déploiement", "étape", "d-ploiement-0f1e2d3c--tape-logs.txt")]
    public void FileName_SaysWorkflowShortIdAndStep_InSafeCharactersOnly(string workflow, string? step, string expected)
    {
        var name = LogLines.FileName(workflow, Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), step);

        Assert.Equal(expected, name);
        Assert.Matches("^[A-Za-z0-9_-][A-Za-z0-9._-]*$", name);
    }
}
