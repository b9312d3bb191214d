using Workflows.Abstractions.Actions;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Definitions;

/// <summary>Every name a definition can mistype is answered with the closest one it may have meant, at its line and column.</summary>
public class DefinitionParserSuggestionTests
{
    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("core.delay", typeof(DelayAction), typeof(DelayInputs), typeof(DelayOutputs)),
        new("core.approval", typeof(ApprovalAction), typeof(ApprovalInputs), typeof(ApprovalOutputs)),
    ];

    private static ParseResult Parse(string yaml, IReadOnlyCollection<string>? channels = null) =>
        new DefinitionParser(Actions, channels).Parse("workflows/x.yaml", yaml);

    [Fact]
    public void Parse_SuggestsTheKey_WhenTwoLettersAreSwapped()
    {
        var r = Parse("name: x\nsteps:\n  - id: a\n    uses: test.record\n    retyr: { attempts: 2 }\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal(("steps[a].retyr", 5, 5), (e.Field, e.Line, e.Column));
        Assert.StartsWith("unknown field 'retyr' (did you mean 'retry'?); allowed: id, name, uses,", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SuggestsTheInputType_WhenItIsMistyped()
    {
        var r = Parse("name: x\ninputs:\n  host: strnig\nsteps:\n  - id: a\n    uses: test.record\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal(("inputs.host", 3, 9), (e.Field, e.Line, e.Column));
        Assert.Equal("unknown type 'strnig' (did you mean 'string'?): use string, int, bool, enum, cidr, ip, secret or cloud", e.Message);
    }

    [Fact]
    public void Parse_SuggestsNoInputType_ForAValueThatIsNothingLikeOne()
    {
        var r = Parse("name: x\ninputs:\n  host: -5\nsteps:\n  - id: a\n    uses: test.record\n");

        Assert.Equal("unknown type '-5': use string, int, bool, enum, cidr, ip, secret or cloud", Assert.Single(r.Errors).Message);
    }

    [Fact]
    public void Parse_SuggestsTheEventAndTheChannel_InNotify()
    {
        var r = Parse("name: x\nnotify:\n  run.faild: [ops]\n  run.failed: [opps]\nsteps:\n  - id: a\n    uses: test.record\n", ["ops", "mail"]);

        Assert.Collection(
            r.Errors,
            e => Assert.Equal(("notify", 3, 3, "unknown event 'run.faild' (did you mean 'run.failed'?); use run.failed, run.succeeded, run.cancelled, approval.waiting, approval.expired"), (e.Field, e.Line, e.Column, e.Message)),
            e => Assert.Equal(("notify.run.failed", 4, 15, "unknown channel 'opps' (did you mean 'ops'?); configured channels: mail, ops"), (e.Field, e.Line, e.Column, e.Message)));
    }

    [Fact]
    public void Parse_SuggestsTheTriggerAndTheApproverRole()
    {
        var r = Parse("name: x\ntriggers:\n  - webhok: { name: gh }\nsteps:\n  - id: a\n    uses: core.approval\n    with:\n      message: go?\n      approvers: { roles: [admn] }\n");

        Assert.Collection(
            r.Errors,
            e => Assert.Equal(("triggers[0]", 3, 5, "unknown trigger 'webhok' (did you mean 'webhook'?): use schedule or webhook"), (e.Field, e.Line, e.Column, e.Message)),
            e => Assert.Equal(("steps[a].with.approvers.roles", 9, 27, "'admn' is not a role (did you mean 'admin'?); the roles are viewer, operator, admin"), (e.Field, e.Line, e.Column, e.Message)));
    }

    [Fact]
    public void Parse_SuggestsTheOutput_WhenAStepReadsOneItsActionDoesNotHave()
    {
        var r = Parse("name: x\nsteps:\n  - id: wait\n    uses: core.delay\n    with: { duration: 1s }\n  - id: b\n    needs: [wait]\n    uses: test.record\n    with: { value: \"${{ steps.wait.outputs.waitedUntl }}\" }\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal("steps[b].with.value", e.Field);
        Assert.StartsWith("'steps.wait.outputs.waitedUntl': action 'core.delay' has no output 'waitedUntl' (did you mean 'waitedUntil'?); its outputs are:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReadsAHexNumberAndAStrTaggedValue_InWith_AsYamlsCoreSchemaDoes()
    {
        // An action without declared inputs takes any key, so only the reading of the values is under test.
        var parser = new DefinitionParser([new("test.any", typeof(RecordAction), null, null)]);

        var r = parser.Parse("workflows/x.yaml", "name: x\nsteps:\n  - id: a\n    uses: test.any\n    with: { value: !!str 5, mask: 0x1F, plain: 5, quoted: '5', real: 1.5e3 }\n");

        Assert.Empty(r.Errors);
        Assert.Equal("""{"value":"5","mask":31,"plain":5,"quoted":"5","real":1500}""", r.Definition!.Steps[0].With.ToJsonString());
    }
}
