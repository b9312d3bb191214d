using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Triggers;
using Workflows.Web.Components.Workflows;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Workflows;

public sealed class WorkflowPageTests : PortalTestContext
{
    private const string ActiveSource = "name: boot-vm\n# the active one\nsteps:\n  - id: server\n    uses: test.action\n";
    private const string OldSource = "name: boot-vm\nsteps:\n  - id: old\n    uses: test.action\n";

    private readonly FakeVersions versions = new();
    private readonly FakeTriggers triggers = new();

    public WorkflowPageTests()
    {
        Services.AddSingleton<IWorkflowVersions>(versions);
        Services.AddSingleton<ITriggerPortal>(triggers);
        SignIn("alice", "viewer");
    }

    private static WorkflowDefinition BootVm { get; } = new()
    {
        Name = "boot-vm",
        Description = "Boot a Nova server",
        Version = "aaaaaaaaaaaa",
        Source = "workflows/boot-vm.yaml",
        Inputs =
        [
            new InputDefinition { Name = "name", Required = true, Pattern = "[a-z]+", PatternHint = "lowercase letters only" },
            new InputDefinition { Name = "size", Type = InputType.Enum, Values = ["small", "large"], Default = JsonValue.Create("small") },
            new InputDefinition { Name = "password", Type = InputType.Secret },
        ],
        Steps =
        [
            new StepDefinition { Id = "server", Uses = "nova.server.create", Retry = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Fixed, InitialDelay = TimeSpan.FromSeconds(2) }, Timeout = TimeSpan.FromMinutes(15), Compensate = new CompensationDefinition { Uses = "nova.server.delete" } },
            new StepDefinition { Id = "gate", Uses = "core.approval", Needs = ["server"], Approval = new ApprovalPolicy { Roles = ["admin"] } },
            new StepDefinition { Id = "ip", Uses = "neutron.floatingip.attach", Needs = ["server", "gate"], If = "${{ inputs.size == 'large' }}" },
        ],
    };

    [Fact]
    public void Render_DocumentsInputsStepsAndTheGraph_WithoutTriggers()
    {
        Catalog.Definitions.Add(BootVm);
        versions.Add("boot-vm", "aaaaaaaaaaaa", ActiveSource, runs: 4);

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Equal("Boot a Nova server", cut.Find("[data-testid=workflow-description]").TextContent);
        Assert.Contains("lowercase letters only (pattern [a-z]+)", cut.Find("[data-testid=input-name] [data-testid=input-allowed]").TextContent, StringComparison.Ordinal);
        Assert.Contains("one of small, large", cut.Find("[data-testid=input-size] [data-testid=input-allowed]").TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=input-password] [data-testid=input-secret]"));
        Assert.Equal(["server", "gate", "ip"], cut.FindAll("[data-testid=step-graph] .wf-step").Select(e => e.GetAttribute("data-testid")![5..]));
        Assert.All(cut.FindAll("[data-testid=step-graph] .wf-step"), e => Assert.Equal("", e.GetAttribute("data-status")));
        Assert.Equal(3, cut.FindAll("[data-testid=step-graph] path[data-testid^=edge-]").Count);
        Assert.Single(cut.FindAll("[data-testid=edge-gate-ip]"));
        Assert.Equal("3 attempts, 2s apart", cut.Find("[data-testid=step-row-server] [data-testid=step-retry]").TextContent.Trim());
        Assert.Contains("nova.server.delete", cut.Find("[data-testid=step-row-server] [data-testid=step-compensation]").TextContent, StringComparison.Ordinal);
        Assert.Contains("role admin", cut.Find("[data-testid=step-row-gate] [data-testid=step-approval]").TextContent, StringComparison.Ordinal);
        Assert.Equal("${{ inputs.size == 'large' }}", cut.Find("[data-testid=step-row-ip] [data-testid=step-when]").TextContent.Trim());
        Assert.Equal("server, gate", cut.Find("[data-testid=step-row-ip] [data-testid=step-needs]").TextContent.Trim());
        Assert.Equal("the start", cut.Find("[data-testid=step-row-server] [data-testid=step-needs]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=step-row-server] [data-testid=step-approval]"));
        Assert.Single(cut.FindAll("[data-testid=no-triggers]"));
        Assert.Equal("4", cut.Find("[data-testid=version-aaaaaaaaaaaa] [data-testid=version-runs]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=version-aaaaaaaaaaaa] [data-testid=version-active]"));
    }

    [Fact]
    public void StepSettings_ReadInTwoLines_WithTheCodesNeverRetriedApart_AndTheNameInTheTooltip()
    {
        var definition = new WorkflowDefinition
        {
            Name = "boot-vm",
            Version = "aaaaaaaaaaaa",
            Source = "workflows/boot-vm.yaml",
            Steps =
            [
                new StepDefinition
                {
                    Id = "server",
                    Name = "Boot the server",
                    Uses = "nova.server.create",
                    Retry = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Exponential, InitialDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromMinutes(1), NonRetryable = ["nova.fault", "openstack.quota"] },
                },
                new StepDefinition { Id = "wait", Uses = "core.delay", Needs = ["server"] },
            ],
        };
        Catalog.Definitions.Add(definition);
        versions.Add("boot-vm", "aaaaaaaaaaaa", ActiveSource, runs: 0);

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Empty(cut.FindAll("[data-testid=workflow-steps] table"));
        var server = cut.Find("[data-testid=step-row-server]");
        Assert.Equal("server: Boot the server", server.QuerySelector("[data-testid=step-id]")!.GetAttribute("title"));
        Assert.Contains("nova.server.create", server.QuerySelector("[data-testid=step-line-what]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("3 attempts, exponential backoff 5s → 1m 00s", server.QuerySelector("[data-testid=step-retry]")!.TextContent.Trim());
        Assert.Equal("· never on nova.fault, openstack.quota", server.QuerySelector("[data-testid=step-non-retryable]")!.TextContent.Trim());
        Assert.Equal("none", server.QuerySelector("[data-testid=step-timeout]")!.TextContent.Trim());
        var wait = cut.Find("[data-testid=step-row-wait]");
        Assert.Equal("wait", wait.QuerySelector("[data-testid=step-id]")!.GetAttribute("title"));
        Assert.Equal("no retries", wait.QuerySelector("[data-testid=step-retry]")!.TextContent.Trim());
        Assert.Empty(wait.QuerySelectorAll("[data-testid=step-non-retryable]"));
        Assert.Equal("none", wait.QuerySelector("[data-testid=step-compensation]")!.TextContent.Trim());
    }

    [Fact]
    public void Render_HighlightsTheActiveSource_LineByLine()
    {
        Catalog.Definitions.Add(BootVm);
        versions.Add("boot-vm", "aaaaaaaaaaaa", ActiveSource, runs: 0);

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        var lines = cut.FindAll("[data-testid=yaml-source] .wf-yaml-line");
        Assert.Equal(ActiveSource.Split('\n').Length, lines.Count);
        Assert.Equal("name", cut.Find("[data-testid=yaml-source] .wf-yaml-key").TextContent);
        Assert.Equal("# the active one", cut.Find("[data-testid=yaml-source] .wf-yaml-comment").TextContent);
        Assert.Contains("(active)", cut.Find("[data-testid=source-version]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShowsSchedulesWithNextFiresAndWebhooksWithTheirUrl()
    {
        Catalog.Definitions.Add(BootVm);
        triggers.Schedules.Add(new PortalSchedule("boot-vm", "nightly", "0 3 * * *", "Europe/Berlin", "skip", false, [TestData.T0.AddHours(1), TestData.T0.AddDays(1)], null, null, null, null));
        triggers.Schedules.Add(new PortalSchedule("other", "hourly", "0 * * * *", "UTC", "skip", false, [TestData.T0], null, null, null, null));
        triggers.Hooks.Add(new PortalHook("boot-push", "/hooks/boot-push", "boot-vm", "generic", "workflows/boot-vm.yaml", false, null, []));

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Contains("0 3 * * *", cut.Find("[data-testid=schedule-nightly]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, cut.Find("[data-testid=schedule-nightly] [data-testid=schedule-next]").TextContent.Split('·').Length);
        Assert.Empty(cut.FindAll("[data-testid=schedule-hourly]"));
        Assert.Equal("POST http://localhost/hooks/boot-push", cut.Find("[data-testid=webhook-boot-push] [data-testid=webhook-url]").TextContent);
        Assert.Contains("no secret configured", cut.Find("[data-testid=webhook-boot-push]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=no-triggers]"));
    }

    [Fact]
    public void Render_ShowsTheLoadErrorsOfItsFile_WithLineAndColumn_KeepingTheActiveVersion()
    {
        Catalog.Definitions.Add(BootVm);
        Catalog.LoadErrors.Add(new DefinitionError("workflows/boot-vm.yaml", 7, 15, "steps[server].retry.attempts", "must be a whole number"));
        Catalog.LoadErrors.Add(new DefinitionError("workflows/other.yaml", 1, 1, "name", "is required"));

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        var error = Assert.Single(cut.FindAll("[data-testid=workflow-load-error]"));
        Assert.Equal("workflows/boot-vm.yaml:7:15 steps[server].retry.attempts: must be a whole number", error.TextContent.Trim());
        Assert.Contains("Version aaaaaaaaaaaa stays active", cut.Find("[data-testid=workflow-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=workflow-steps]"));
    }

    [Fact]
    public void Render_ShowsTheLoadErrors_WhenTheWorkflowHasNoActiveVersion()
    {
        Catalog.LoadErrors.Add(new DefinitionError("workflows/half.yaml", 3, 5, "steps", "must be a non-empty list of steps"));

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "half"));

        Assert.Contains("no active version", cut.Find("[data-testid=workflow-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Contains("workflows/half.yaml:3:5", cut.Find("[data-testid=workflow-load-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=workflow-steps]"));
        Assert.Empty(cut.FindAll("[data-testid=workflow-not-found]"));
    }

    [Fact]
    public void Render_ShowsAnOlderVersionsSource_WhenTheLinkNamesIt()
    {
        Catalog.Definitions.Add(BootVm);
        versions.Add("boot-vm", "aaaaaaaaaaaa", ActiveSource, runs: 1);
        versions.Add("boot-vm", "bbbbbbbbbbbb", OldSource, runs: 2);

        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("workflows/boot-vm?version=bbbbbbbbbbbb");
        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Equal("of version bbbbbbbbbbbb", cut.Find("[data-testid=source-version]").TextContent.Trim());
        Assert.Contains("- id: old", cut.Find("[data-testid=yaml-source]").TextContent, StringComparison.Ordinal);
        Assert.Contains("wf-selected-row", cut.Find("[data-testid=version-bbbbbbbbbbbb]").ClassName, StringComparison.Ordinal);
        Assert.Equal("workflows/boot-vm?version=aaaaaaaaaaaa#source", cut.Find("[data-testid=version-aaaaaaaaaaaa] [data-testid=version-link]").GetAttribute("href"));
    }

    [Fact]
    public void Render_SaysSo_WhenTheVersionIsNotStored()
    {
        Catalog.Definitions.Add(BootVm);
        versions.Add("boot-vm", "aaaaaaaaaaaa", ActiveSource, runs: 0);

        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("workflows/boot-vm?version=cccccccccccc");
        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Contains("no stored version 'cccccccccccc'", cut.Find("[data-testid=source-problem]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=yaml-source]"));
    }

    [Fact]
    public void Render_SaysTheWorkflowDoesNotExist_WhenNothingIsKnownOfIt()
    {
        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "ghost"));

        Assert.Single(cut.FindAll("[data-testid=workflow-not-found]"));
    }

    [Theory]
    [InlineData("viewer", true)]
    [InlineData("operator", false)]
    public void Render_DisablesRun_ForViewers(string role, bool disabled)
    {
        SignIn("bob", role);
        Catalog.Definitions.Add(BootVm);

        var cut = Render<WorkflowPage>(p => p.Add(c => c.Name, "boot-vm"));

        Assert.Equal(disabled, cut.Find("[data-testid=run-workflow]").HasAttribute("disabled"));
    }

    private sealed class FakeVersions : IWorkflowVersions
    {
        private readonly List<(string Workflow, WorkflowVersionSource Source)> stored = [];

        public void Add(string workflow, string version, string text, long runs) =>
            stored.Add((workflow, new WorkflowVersionSource(new WorkflowVersion(version, $"workflows/{workflow}.yaml", TestData.T0.AddMinutes(-stored.Count), runs), text)));

        public Task<IReadOnlyList<WorkflowVersion>> ListAsync(string workflow, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<WorkflowVersion>>(stored.Where(s => s.Workflow == workflow).Select(s => s.Source.Version).ToList());

        public Task<WorkflowVersionSource?> GetAsync(string workflow, string version, CancellationToken cancellationToken = default) =>
            Task.FromResult<WorkflowVersionSource?>(stored.FirstOrDefault(s => s.Workflow == workflow && s.Source.Version.Version == version).Source);
    }

    private sealed class FakeTriggers : ITriggerPortal
    {
        public List<PortalSchedule> Schedules { get; } = [];

        public List<PortalHook> Hooks { get; } = [];

        public Task<IReadOnlyList<PortalSchedule>> ListSchedulesAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<PortalSchedule>>(Schedules);

        public Task<IReadOnlyList<PortalHook>> ListHooksAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<PortalHook>>(Hooks);

        public Task SetPausedAsync(string workflow, string name, bool paused, string actor, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PortalOutcome> RunNowAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<PortalDelivery>> ListDeliveriesAsync(string hook, int max, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PortalOutcome> RedeliverAsync(string hook, string deliveryId, string actor, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PortalScheduleSaved> SaveScheduleAsync(PortalScheduleEdit schedule, bool create, string actor, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PortalOutcome> DeleteScheduleAsync(string workflow, string name, string actor, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public PortalCronPreview PreviewCron(string cron, string timeZone) => throw new NotSupportedException();

        public Task<PortalDeliveryDetail?> GetDeliveryAsync(string hook, string deliveryId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
