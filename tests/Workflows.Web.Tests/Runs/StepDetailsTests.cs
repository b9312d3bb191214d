using System.Text.Json.Nodes;
using Bunit;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class StepDetailsTests : PortalTestContext
{
    [Fact]
    public void Render_HidesStaleProgress_WhenStepSucceeded()
    {
        var cut = Render<StepDetails>(p => p.Add(d => d.Step, TestData.Step("server", StepStatus.Succeeded) with { Progress = "BUILD" }));

        Assert.Empty(cut.FindAll("[data-testid=step-details-progress]"));
    }

    [Fact]
    public void Render_ShowsProgress_WhileStepRuns()
    {
        var cut = Render<StepDetails>(p => p.Add(d => d.Step, TestData.Step("server", StepStatus.Waiting) with { Progress = "BUILD" }));

        Assert.Equal("BUILD", cut.Find("[data-testid=step-details-progress]").TextContent.Trim());
    }

    [Fact]
    public void Render_GroupsAttemptsByTry_AndNumbersThemWithinTheTry()
    {
        var retriedAt = TestData.T0.AddHours(1);
        var tries = new[] { new RunTry(1, TestData.T0, TestData.T0.AddMinutes(5), "failed"), new RunTry(2, retriedAt, null, null) };
        var step = TestData.Step("server", StepStatus.Succeeded) with
        {
            Attempts =
            [
                new AttemptView(1, AttemptStatus.Failed, TestData.T0, TestData.T0.AddMinutes(1), 0, "quota", "no room", null),
                new AttemptView(2, AttemptStatus.Succeeded, retriedAt, retriedAt.AddMinutes(1), 2, null, null, null),
            ],
        };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, step).Add(d => d.Tries, tries));

        Assert.Equal("Try 1 — failed", cut.Find("[data-testid=attempts-try-1]").TextContent);
        Assert.Equal("Try 2 — running", cut.Find("[data-testid=attempts-try-2]").TextContent);
        Assert.Equal("attempt 1/3", cut.Find("[data-testid=attempt-2] [data-testid=attempt-label]").TextContent);
        Assert.Equal("try 2 · attempt 1/3", RunTimeline.AttemptText(step, tries));
    }

    [Fact]
    public void Render_ShowsTheStepsInputsFromTheDefinition()
    {
        var definition = new StepDefinition { Id = "server", Uses = "openstack.server.create", With = new JsonObject { ["name"] = "${{ inputs.name }}" } };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, TestData.Step("server", StepStatus.Running)).Add(d => d.Definition, definition));

        Assert.Equal("${{ inputs.name }}", cut.Find("[data-testid=step-input-name] .wf-json").TextContent);
    }

    [Fact]
    public void Render_ShowsTheLatestAttemptsEvaluatedInputs_SecretsMasked_WithTheExpressionTheyCameFrom()
    {
        var definition = new StepDefinition
        {
            Id = "server",
            Uses = "openstack.server.create",
            With = new JsonObject { ["ip"] = "${{ steps.net.outputs.ip }}", ["password"] = "${{ inputs.password }}", ["flavor"] = "m1.small" },
        };
        var inputs = new JsonObject
        {
            ["ip"] = "10.0.0.5",
            ["password"] = "***",
            ["flavor"] = "m1.small",
            ["userData"] = new JsonObject { ["cert"] = "a+b/c==" },
        };
        var step = TestData.Step("server", StepStatus.Succeeded) with
        {
            Attempts = [new AttemptView(1, AttemptStatus.Succeeded, TestData.T0, TestData.T0.AddMinutes(1), 0, null, null, null, inputs)],
        };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, step).Add(d => d.Definition, definition));

        Assert.Equal("10.0.0.5", cut.Find("[data-testid=step-input-ip] [data-testid=input-value]").TextContent);
        Assert.Equal("${{ steps.net.outputs.ip }}", cut.Find("[data-testid=step-input-ip] [data-testid=input-expression]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=step-input-flavor] [data-testid=input-expression]"));
        Assert.Equal("secret (masked)", cut.Find("[data-testid=step-input-password] [data-testid=input-masked]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=step-input-password] [data-testid=input-copy]"));
        Assert.Contains("\"cert\": \"a+b/c==\"", cut.Find("[data-testid=step-input-userData] [data-testid=input-value]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("attempt 1: as evaluated", cut.Find("[data-testid=step-inputs-note]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("***", cut.Find("[data-testid=step-input-password]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=step-input-ip] [data-testid=input-copy]").Click();

        Assert.Equal("10.0.0.5", JSInterop.Invocations["workflowsPortal.copy"].Single().Arguments[0]);
    }

    [Fact]
    public void Render_ShowsTheChosenAttemptsInputs_WhenThereAreSeveral()
    {
        var step = TestData.Step("server", StepStatus.Succeeded) with
        {
            Attempts =
            [
                new AttemptView(1, AttemptStatus.Failed, TestData.T0, TestData.T0.AddMinutes(1), 0, "quota", "no room", null, new JsonObject { ["flavor"] = "m1.large" }),
                new AttemptView(2, AttemptStatus.Succeeded, TestData.T0.AddMinutes(2), TestData.T0.AddMinutes(3), 0, null, null, null, new JsonObject { ["flavor"] = "m1.small" }),
            ],
        };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, step));

        Assert.Equal("m1.small", cut.Find("[data-testid=step-input-flavor] [data-testid=input-value]").TextContent);
        Assert.Equal("true", cut.Find("[data-testid=step-inputs-attempt-2]").GetAttribute("aria-pressed"));

        cut.Find("[data-testid=step-inputs-attempt-1]").Click();

        Assert.Equal("m1.large", cut.Find("[data-testid=step-input-flavor] [data-testid=input-value]").TextContent);
        Assert.Equal("true", cut.Find("[data-testid=step-inputs-attempt-1]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void Render_SaysNoInputs_WhenTheAttemptHadNone()
    {
        var step = TestData.Step("server", StepStatus.Running) with
        {
            Attempts = [new AttemptView(1, AttemptStatus.Running, TestData.T0, null, 0, null, null, null, new JsonObject())],
        };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, step));

        Assert.Equal("No inputs", cut.Find("[data-testid=step-inputs-empty]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=step-inputs]"));
    }

    [Fact]
    public void Render_FallsBackToTheDefinition_WhenTheAttemptKeptNoInputs()
    {
        var definition = new StepDefinition { Id = "server", Uses = "openstack.server.create", With = new JsonObject { ["name"] = "${{ inputs.name }}" } };
        var step = TestData.Step("server", StepStatus.Succeeded) with
        {
            Attempts = [new AttemptView(1, AttemptStatus.Succeeded, TestData.T0, TestData.T0.AddMinutes(1), 0, null, null, null)],
        };

        var cut = Render<StepDetails>(p => p.Add(d => d.Step, step).Add(d => d.Definition, definition));

        Assert.Equal("${{ inputs.name }}", cut.Find("[data-testid=step-input-name] .wf-json").TextContent);
        Assert.StartsWith("Not recorded for this attempt", cut.Find("[data-testid=step-inputs-note]").TextContent, StringComparison.Ordinal);
    }
}
