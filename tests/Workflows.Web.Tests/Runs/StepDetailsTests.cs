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
}
