using Workflows.Web.Components.Workflows;

namespace Workflows.Web.Tests.Workflows;

public sealed class YamlHighlighterTests
{
    [Theory]
    [InlineData("name: boot-vm")]
    [InlineData("  - id: server   # the VM")]
    [InlineData("    with: { cloud: \"${{ inputs.cloud }}\", name: 'x: y', n: 3 }")]
    [InlineData("    if: ${{ inputs.size != 'm1.small' && run.trigger != 'schedule' }}")]
    [InlineData("  \"quoted key\": \"unterminated")]
    [InlineData("weird: ${{ never closed")]
    [InlineData("")]
    public void Line_NeverLosesACharacter(string line) =>
        Assert.Equal(line, string.Concat(YamlHighlighter.Line(line).Select(t => t.Text)));

    [Fact]
    public void Line_MarksKeysStringsExpressionsAndComments()
    {
        var tokens = YamlHighlighter.Line("  - id: server # the VM");
        var flow = YamlHighlighter.Line("    with: { cloud: \"a ${{ inputs.cloud }}\", url: http://x:80 }");

        Assert.Equal(["id"], tokens.Where(t => t.Kind == YamlTokenKind.Key).Select(t => t.Text));
        Assert.Equal(["# the VM"], tokens.Where(t => t.Kind == YamlTokenKind.Comment).Select(t => t.Text));
        Assert.Equal(["with", "cloud", "url"], flow.Where(t => t.Kind == YamlTokenKind.Key).Select(t => t.Text));
        Assert.Equal(["${{ inputs.cloud }}"], flow.Where(t => t.Kind == YamlTokenKind.Expression).Select(t => t.Text));
        Assert.Equal(["\"a ", "\""], flow.Where(t => t.Kind == YamlTokenKind.String).Select(t => t.Text));
    }

    [Fact]
    public void Line_DoesNotTakeAHashInsideAValueForAComment()
    {
        var tokens = YamlHighlighter.Line("tag: v1#2");

        Assert.DoesNotContain(tokens, t => t.Kind == YamlTokenKind.Comment);
    }
}
