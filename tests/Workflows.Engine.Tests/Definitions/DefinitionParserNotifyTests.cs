using Workflows.Abstractions.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Definitions;

/// <summary>The <c>notify:</c> block: events to the names of configured channels.</summary>
public class DefinitionParserNotifyTests
{
    private static readonly ActionDescriptor[] Actions = [new("test.record", typeof(RecordAction), typeof(RecordInputs), null)];

    private static ParseResult Parse(string notify, IReadOnlyCollection<string>? channels) =>
        new DefinitionParser(Actions, channels).Parse("workflows/x.yaml", $"name: notified\n{notify}\nsteps:\n  - id: a\n    uses: test.record\n");

    [Fact]
    public void Parse_ReadsEventsToChannels_WhenTheChannelsAreConfigured()
    {
        var r = Parse("notify:\n  run.failed: [ops, mail]\n  approval.waiting: ops", ["ops", "mail"]);

        Assert.Empty(r.Errors);
        Assert.Equal(["ops", "mail"], r.Definition!.Notify["run.failed"]);
        Assert.Equal(["ops"], r.Definition.Notify["approval.waiting"]);
        Assert.False(r.Definition.Notify.ContainsKey("run.succeeded"));
    }

    [Fact]
    public void Parse_HasNoRules_WithoutNotify()
    {
        var r = new DefinitionParser(Actions, ["ops"]).Parse("workflows/x.yaml", "name: quiet\nsteps:\n  - id: a\n    uses: test.record\n");

        Assert.Empty(r.Definition!.Notify);
    }

    [Theory]
    [InlineData("notify: [ops]", "notify", "must be a mapping of event to channel names", 2, 9)]
    [InlineData("notify: { run.exploded: [ops] }", "notify", "unknown event 'run.exploded'; use run.failed, run.succeeded, run.cancelled, approval.waiting, approval.expired", 2, 11)]
    [InlineData("notify: { run.failed: [] }", "notify.run.failed", "must name at least one channel", 2, 23)]
    [InlineData("notify: { run.failed: [pager] }", "notify.run.failed", "unknown channel 'pager'; configured channels: mail, ops", 2, 23)]
    [InlineData("notify: { run.failed: [{ a: b }] }", "notify.run.failed", "must be a list of names", 2, 24)]
    public void Parse_ReportsTheFieldLineAndColumn_WhenNotifyIsMalformed(string line, string field, string message, int lineNo, int column)
    {
        var r = Parse(line, ["ops", "mail"]);

        var e = Assert.Single(r.Errors);
        Assert.Equal((field, lineNo, column), (e.Field, e.Line, e.Column));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SaysNoChannelsAreConfigured_WhenTheServerHasNone()
    {
        var e = Assert.Single(Parse("notify: { run.failed: ops }", []).Errors);

        Assert.Contains("the server has no notification channels (configure Workflows:Notifications:Channels)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AcceptsAnyChannelName_WhenNoChannelListIsGiven()
    {
        // Stored versions are parsed this way: a channel removed from configuration must not strand a pinned run.
        var r = Parse("notify: { run.failed: [removed-since] }", null);

        Assert.Empty(r.Errors);
        Assert.Equal(["removed-since"], r.Definition!.Notify["run.failed"]);
    }
}
