using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;
using Workflows.Web.Components.Triggers;

namespace Workflows.Web.Components.Workflows;

/// <summary>
/// One workflow, readable before it is run: description, inputs, the step graph and each step's settings, the
/// schedules and webhooks that start it, its versions (runs on each) and the highlighted YAML of the active or of an
/// older version (<c>?version=hash</c>, the link of a run's version), and the load errors of its file.
/// </summary>
public sealed partial class WorkflowPage
{
    private bool loading = true;
    private WorkflowDefinition? definition;
    private IReadOnlyList<DefinitionError> errors = [];
    private IReadOnlyList<StepView> stepViews = [];
    private IReadOnlyList<PortalSchedule> schedules = [];
    private IReadOnlyList<PortalHook> hooks = [];
    private IReadOnlyList<WorkflowVersion> versions = [];
    private IReadOnlyList<IReadOnlyList<YamlToken>> sourceLines = [];
    private string? shownVersion;
    private string? sourceProblem;
    private string? triggerError;
    private string? versionsError;
    private string? selectedStep;
    private bool canOperate;

    /// <summary>Gets or sets the workflow's name (from the route).</summary>
    [Parameter]
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the version whose source is shown (<c>?version=</c>). Default is null: the active version.</summary>
    [SupplyParameterFromQuery(Name = "version")]
    public string? Version { get; set; }

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private IWorkflowVersions Versions { get; set; } = default!;

    [Inject]
    private ITriggerPortal Triggers { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>Describes a retry policy in words: "3 attempts, exponential backoff 2 s → 1 min".</summary>
    public static string RetryText(RetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        if (retry.MaxAttempts <= 1)
        {
            return "no retries";
        }

        // The codes never retried are shown beside it (step-non-retryable), in their own muted span.
        return retry.Backoff == BackoffKind.Fixed
            ? $"{retry.MaxAttempts} attempts, {Formatting.Duration(retry.InitialDelay)} apart"
            : $"{retry.MaxAttempts} attempts, exponential backoff {Formatting.Duration(retry.InitialDelay)} → {Formatting.Duration(retry.MaxDelay)}";
    }

    /// <summary>The tooltip of a step's entry in the settings list: its id, and its name when it has another one.</summary>
    private static string StepTitle(StepDefinition step) =>
        step.Name is { } name && name != step.Id ? $"{step.Id}: {name}" : step.Id;

    /// <summary>Describes what an input accepts: its values, or its pattern's hint (else the pattern), and its length limit.</summary>
    public static string Allowed(InputDefinition input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var parts = new List<string>();
        if (input.Values.Count > 0)
        {
            parts.Add($"one of {string.Join(", ", input.Values)}");
        }

        if (input.Pattern is { } pattern)
        {
            parts.Add(input.PatternHint is { } hint ? $"{hint} (pattern {pattern})" : $"pattern {pattern}");
        }

        if (input.MaxLength is { } max)
        {
            parts.Add($"at most {max.ToString("N0", CultureInfo.InvariantCulture)} characters");
        }

        return parts.Count == 0 ? "–" : string.Join("; ", parts);
    }

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (AuthenticationState is not null)
        {
            canOperate = (await AuthenticationState).User.CanOperate();
        }

        definition = Catalog.Get(Name);
        errors = Catalog.ErrorsOf(Name);
        stepViews = definition is null ? [] : definition.Steps.Select(s => new StepView
        {
            StepId = s.Id,
            Uses = s.Uses,
            Needs = s.Needs,
            Status = StepStatus.Pending,
            MaxAttempts = s.Retry.MaxAttempts,
            Progress = s.If is null ? null : "if " + s.If,
        }).ToList();
        await LoadTriggersAsync();
        await LoadVersionsAsync();
        loading = false;
    }

    private async Task LoadTriggersAsync()
    {
        try
        {
            schedules = (await Triggers.ListSchedulesAsync()).Where(s => s.Workflow == Name).ToList();
            hooks = (await Triggers.ListHooksAsync()).Where(h => h.Workflow == Name).ToList();
            triggerError = null;
        }
#pragma warning disable CA1031 // shown to the user as an error state; the rest of the page stays useful
        catch (Exception ex)
#pragma warning restore CA1031
        {
            triggerError = ex.Message;
        }
    }

    private async Task LoadVersionsAsync()
    {
        sourceLines = [];
        sourceProblem = null;
        shownVersion = Version ?? definition?.Version;
        try
        {
            versions = await Versions.ListAsync(Name);
            versionsError = null;
            if (shownVersion is null)
            {
                return;
            }

            if (await Versions.GetAsync(Name, shownVersion) is { } source)
            {
                sourceLines = YamlHighlighter.Highlight(source.Text);
            }
            else
            {
                sourceProblem = $"Workflow '{Name}' has no stored version '{shownVersion}'.";
                shownVersion = null;
            }
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            versionsError = ex.Message;
        }
    }

    private string VersionHref(string version) => $"workflows/{Uri.EscapeDataString(Name)}?version={Uri.EscapeDataString(version)}#source";

    private string HookUrl(PortalHook hook) => Navigation.BaseUri.TrimEnd('/') + hook.Url;

    private static string TokenClass(YamlTokenKind kind) => kind switch
    {
        YamlTokenKind.Key => "wf-yaml-key",
        YamlTokenKind.String => "wf-yaml-string",
        YamlTokenKind.Comment => "wf-yaml-comment",
        YamlTokenKind.Expression => "wf-yaml-expr",
        _ => "wf-yaml-plain",
    };
}
