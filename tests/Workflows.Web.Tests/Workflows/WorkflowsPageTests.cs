using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Workflows;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Workflows;

public sealed class WorkflowsPageTests : PortalTestContext
{
    [Theory]
    [InlineData("viewer", false)]
    [InlineData("operator", true)]
    [InlineData("admin", true)]
    public void Render_EnablesRunButtonByRole(string role, bool enabled)
    {
        SignIn("alice", role);
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));

        var cut = Render<WorkflowsPage>();

        Assert.Equal(!enabled, cut.Find("[data-testid=run-boot-vm]").HasAttribute("disabled"));
    }

    [Theory]
    [InlineData("developers", true)]
    [InlineData("platform-admins", false)]
    public void Render_DisablesRunButtonWithTheReason_WhenTheOperatorIsNotInAGroupAllowedToRunIt(string group, bool refused)
    {
        SignIn("bob", "viewer", "operator");
        Auth.SetClaims(new System.Security.Claims.Claim(WorkflowPermissions.GroupClaimType, group));
        var plain = TestData.Definition("install-devstack");
        Catalog.Definitions.Add(new WorkflowDefinition { Name = plain.Name, Version = plain.Version, Steps = plain.Steps, Permissions = new WorkflowPermissions { Run = ["platform-admins"] } });
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));

        var cut = Render<WorkflowsPage>();

        Assert.Equal(refused, cut.Find("[data-testid=run-install-devstack]").HasAttribute("disabled"));
        Assert.Equal(refused ? ["Only members of 'platform-admins' (or an admin) may run 'install-devstack'."] : [], cut.FindAll("[data-testid=run-not-allowed-install-devstack]").Select(e => e.TextContent.Trim()));
        Assert.False(cut.Find("[data-testid=run-boot-vm]").HasAttribute("disabled"));
    }

    [Fact]
    public void Render_ShowsLastRunStatusAndLoadErrors()
    {
        SignIn("alice", "viewer");
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));
        Catalog.LoadErrors.Add(new DefinitionError("workflows/broken.yaml", 3, 7, "steps[0].uses", "Unknown action 'nova.nope'."));
        var id = Guid.NewGuid();
        Queries.Runs[id] = new RunDetail(TestData.Summary(id, "boot-vm", RunStatus.Failed), new Dictionary<string, JsonNode?>(), []);

        var cut = Render<WorkflowsPage>();

        Assert.Equal("Failed", cut.Find("[data-testid=workflow-boot-vm] [data-testid=last-run-status]").GetAttribute("data-status"));
        Assert.Contains("workflows/broken.yaml:3:7 steps[0].uses: Unknown action 'nova.nope'.", cut.Find("[data-testid=definition-errors]").TextContent, StringComparison.Ordinal);
        Assert.Equal("workflows/broken", cut.Find("[data-testid=definition-error-link]").GetAttribute("href"));
    }

    [Fact]
    public void Render_ShowsTheRequirementHint_OnlyOnCardsOfWorkflowsThatRequireSomething()
    {
        SignIn("alice", "viewer");
        Services.AddSingleton<IWorkflowRequirement>(new HintOnly("docker", "Needs a Docker engine"));
        var compose = TestData.Definition("deploy-compose-stack");
        Catalog.Definitions.Add(new WorkflowDefinition
        {
            Name = compose.Name, Version = compose.Version, Steps = compose.Steps,
            Requires = new Dictionary<string, string> { ["docker"] = "${{ inputs.dockerHost }}", ["gpu"] = "" },
        });
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));

        var cut = Render<WorkflowsPage>();

        Assert.Equal(["Needs a Docker engine", "Needs gpu"], cut.FindAll("[data-testid=workflow-deploy-compose-stack] [data-testid=requires-hint]").Select(e => e.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=workflow-boot-vm] [data-testid=requires-hint]"));
    }

    private sealed class HintOnly(string name, string hint) : IWorkflowRequirement
    {
        public string Name => name;

        public string Hint => hint;

        public string? Check(string value) => null;
    }

    [Fact]
    public void Render_ShowsEmptyState_WhenThereAreNoDefinitions()
    {
        SignIn("alice", "viewer");

        var cut = Render<WorkflowsPage>();

        Assert.NotNull(cut.Find("[data-testid=empty-state]"));
    }

    [Fact]
    public void Notification_UpdatesLastRunStatus_WhenARunChanges()
    {
        SignIn("alice", "viewer");
        Catalog.Definitions.Add(TestData.Definition("boot-vm"));
        var id = Guid.NewGuid();
        Queries.Runs[id] = new RunDetail(TestData.Summary(id, "boot-vm", RunStatus.Running), new Dictionary<string, JsonNode?>(), []);
        var cut = Render<WorkflowsPage>();

        Queries.Runs[id] = Queries.Runs[id] with { Run = TestData.Summary(id, "boot-vm", RunStatus.Succeeded) };
        Notifications.Raise(new RunNotification(id, "run"));

        Assert.Equal("Succeeded", cut.Find("[data-testid=last-run-status]").GetAttribute("data-status"));
    }
}

public sealed class StartRunPageTests : PortalTestContext
{
    public StartRunPageTests()
    {
        Catalog.Definitions.Add(TestData.Definition(
            "boot-vm",
            new InputDefinition { Name = "name", Required = true },
            new InputDefinition { Name = "password", Type = InputType.Secret }));
    }

    [Fact]
    public void Submit_StartsPortalRunAsTheUserAndOpensIt()
    {
        SignIn("alice", "operator");
        RenderPopovers();
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));

        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=submit]").Click();

        var request = Assert.Single(Commands.Started);
        Assert.Equal("boot-vm", request.Workflow);
        Assert.Equal(new TriggerInfo(TriggerKind.Portal, "alice"), request.Trigger);
        Assert.Equal("web-1", request.Inputs["name"]!.GetValue<string>());
        Assert.EndsWith($"/runs/{Commands.NextRunId}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_SendsOneIdempotencyKeyPerForm_SoARepeatedSubmitStartsOneRun()
    {
        SignIn("alice", "operator");
        RenderPopovers();
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=submit]").Click();
        page.Find("[data-testid=submit]").Click();
        var another = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));
        another.Find("[data-testid=input-name]").Input("web-1");
        another.Find("[data-testid=submit]").Click();

        Assert.Equal(3, Commands.Started.Count);
        Assert.False(string.IsNullOrEmpty(Commands.Started[0].IdempotencyKey));
        Assert.Equal(Commands.Started[0].IdempotencyKey, Commands.Started[1].IdempotencyKey);
        Assert.NotEqual(Commands.Started[0].IdempotencyKey, Commands.Started[2].IdempotencyKey);
    }

    [Fact]
    public void Submit_SaysTheFormAlreadyStartedARun_WhenTheKeyWasUsedWithOtherValues()
    {
        SignIn("alice", "operator");
        Commands.StartFailure = new IdempotencyKeyReusedException("used before");
        RenderPopovers();
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));

        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=submit]").Click();

        Assert.Contains("This form already started a run with different values", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_ShowsEngineErrorsOnFields_WhenInputsAreRejected()
    {
        SignIn("alice", "operator");
        Commands.StartFailure = new InputValidationException([new FieldError("inputs.name", "Name is taken.")]);
        RenderPopovers();
        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));

        page.Find("[data-testid=input-name]").Input("web-1");
        page.Find("[data-testid=submit]").Click();

        Assert.Equal("Name is taken.", page.Find("[data-testid=error-name]").TextContent);
    }

    [Fact]
    public void Render_ShowsNoForm_WhenUserIsViewer()
    {
        SignIn("bob", "viewer");

        var page = Render<StartRunPage>(p => p.Add(s => s.Name, "boot-vm"));

        Assert.NotNull(page.Find("[data-testid=needs-operator]"));
        Assert.Empty(page.FindAll("[data-testid=submit]"));
    }
}
