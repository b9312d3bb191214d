using System.Text.Json.Nodes;
using Bunit;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunHeaderTests : PortalTestContext
{
    private static readonly WorkflowDefinition Definition = TestData.Definition(
        "install-devstack",
        new InputDefinition { Name = "host" },
        new InputDefinition { Name = "branch" },
        new InputDefinition { Name = "admin_password", Type = InputType.Secret },
        new InputDefinition { Name = "ssh_key", Type = InputType.Secret });

    private static readonly Dictionary<string, JsonNode?> Inputs = new()
    {
        ["host"] = JsonValue.Create("devstack-1"),
        ["branch"] = JsonValue.Create(""),
        ["admin_password"] = JsonValue.Create("***"),
        ["ssh_key"] = null,
    };

    [Fact]
    public void Render_ShowsInputsAsOneSummaryLine_ByDefault()
    {
        var cut = RenderHeader();

        var summary = cut.Find("[data-testid=run-inputs-summary]");
        Assert.Contains("4 input(s)", summary.TextContent, StringComparison.Ordinal);
        Assert.Contains("devstack-1", summary.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=run-inputs]"));
    }

    [Fact]
    public void Click_ExpandsInputsIntoTable_AndCollapsesAgain()
    {
        var cut = RenderHeader();

        cut.Find("[data-testid=run-inputs-summary]").Click();
        Assert.Equal(4, cut.FindAll("[data-testid=run-inputs] tr").Count);

        cut.Find("[data-testid=run-inputs-collapse]").Click();
        Assert.NotNull(cut.Find("[data-testid=run-inputs-summary]"));
    }

    [Theory]
    [InlineData("Enter")]
    [InlineData(" ")]
    public void Key_ExpandsInputs_WhenEnterOrSpace(string key)
    {
        var cut = RenderHeader();

        cut.Find("[data-testid=run-inputs-summary]").KeyDown(key);

        Assert.NotNull(cut.Find("[data-testid=run-inputs]"));
    }

    [Fact]
    public void Render_ShowsDashForEmptyInputs_AndNotSetForEmptySecrets()
    {
        var cut = RenderHeader();

        Assert.Equal("—", cut.Find("[data-testid=run-input-branch] .wf-json").TextContent);
        Assert.Equal("not set", cut.Find("[data-testid=run-input-ssh_key] .wf-json").TextContent);
        Assert.Equal("***", cut.Find("[data-testid=run-input-admin_password] .wf-json").TextContent);
        Assert.DoesNotContain("null", cut.Find("[data-testid=run-inputs-summary]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server", "Step 'server' failed: quota exceeded", "Step 'server' failed: quota exceeded")]
    [InlineData("server", "quota exceeded", "Step server: quota exceeded")]
    [InlineData(null, "cancelled by carol", "cancelled by carol")]
    public void ErrorLine_NamesTheStepOnce(string? step, string error, string expected) =>
        Assert.Equal(expected, RunHeader.ErrorLine(step, error));

    [Fact]
    public void Render_LinksTheVersionHashToThatVersionOnTheWorkflowPage()
    {
        var cut = RenderHeader();

        var link = cut.Find("[data-testid=run-version]");
        Assert.Equal("abc123", link.TextContent.Trim());
        Assert.Equal("workflows/install-devstack?version=abc123#source", link.GetAttribute("href"));
    }

    private IRenderedComponent<RunHeader> RenderHeader() => Render<RunHeader>(p => p
        .Add(h => h.Run, TestData.Summary(Guid.NewGuid(), "install-devstack", RunStatus.Running))
        .Add(h => h.Inputs, Inputs)
        .Add(h => h.Definition, Definition)
        .Add(h => h.Now, TestData.T0.AddMinutes(1)));
}
