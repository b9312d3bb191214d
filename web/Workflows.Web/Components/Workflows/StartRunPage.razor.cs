using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Workflows;

/// <summary>The form that starts a run of one workflow, optionally prefilled from an earlier run (<c>?from=</c>).</summary>
public partial class StartRunPage
{
    private WorkflowDefinition? definition;
    private IReadOnlyList<CloudInfo>? clouds;
    private IReadOnlyDictionary<string, JsonNode?>? initialValues;
    private IReadOnlyList<FieldError>? serverErrors;
    private List<BreadcrumbItem> breadcrumbs = [];
    private Guid? fromRun;
    private string? startError;
    private bool busy;
    private bool canOperate;
    private string? notAllowed;
    private System.Security.Claims.ClaimsPrincipal user = new();
    private string actor = "unknown";
    private WorkflowPlan? plan;
    private string? plannedValues;
    private string? planError;
    private bool overridePlan;

    // One key per form instance: a double submit, or a submit repeated after a lost answer, starts one run.
    private string idempotencyKey = Guid.NewGuid().ToString();

    /// <summary>Gets or sets the workflow's name.</summary>
    [Parameter]
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the run whose inputs to start from.</summary>
    [SupplyParameterFromQuery(Name = "from")]
    public Guid? From { get; set; }

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IRunCommands Commands { get; set; } = default!;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (AuthenticationState is not null)
        {
            user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            actor = user.ActorName();
        }

        breadcrumbs = [new("Workflows", href: "workflows"), new(Name, href: null)];
        definition = Catalog.Get(Name);
        notAllowed = definition?.Permissions.WhyNotAllowedToRun(user, Name);
        clouds = Services.GetService<ICloudCatalog>()?.List();
        fromRun = null;
        initialValues = null;
        if (From is { } runId && await Queries.GetAsync(runId) is { } earlier && earlier.Run.Workflow == Name)
        {
            fromRun = runId;
            initialValues = earlier.Inputs;
        }
    }

    private IWorkflowPlanner? Planner => Services.GetService<IWorkflowPlanner>();

    private void GoBack() => Navigation.NavigateTo("workflows");

    private static string Fingerprint(IReadOnlyDictionary<string, JsonNode?> values) =>
        new JsonObject(values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))).ToJsonString();

    private async Task PreviewAsync(IReadOnlyDictionary<string, JsonNode?> values)
    {
        if (definition is null || Planner is not { } planner)
        {
            return;
        }

        busy = true;
        planError = null;
        try
        {
            plan = await planner.PlanAsync(new PlanRequest(definition.Name, values, actor));
            plannedValues = Fingerprint(values);
            overridePlan = false;
        }
        catch (InputValidationException ex)
        {
            serverErrors = ex.Errors;
            plan = null;
        }
        catch (WorkflowNotFoundException ex)
        {
            planError = ex.Message;
            plan = null;
        }
        finally
        {
            busy = false;
        }
    }

    private async Task StartAsync(IReadOnlyDictionary<string, JsonNode?> values)
    {
        // Checked again here: the definition may have been reloaded with other permissions since the page opened.
        if (!canOperate || definition is null)
        {
            return;
        }

        if (Catalog.Get(definition.Name)?.Permissions.WhyNotAllowedToRun(user, definition.Name) is { } why)
        {
            notAllowed = why;
            return;
        }

        // The plan shown is kept with the run only when it was made from these very values; a plan with errors
        // blocks the start unless the user ticked the override (the button is disabled too; this guards a stale page).
        var shown = plan is not null && plannedValues == Fingerprint(values) ? plan : null;
        if (shown is { Summary.Errors: > 0 } && !overridePlan)
        {
            planError = "The plan has errors: fix them, or tick 'Start anyway' to start despite them.";
            return;
        }

        busy = true;
        startError = null;
        try
        {
            // The engine keeps the plan shown with the run (and plans at start when the definition requires a plan).
            var run = await Commands.StartAsync(new StartRunRequest(definition.Name, values, new TriggerInfo(TriggerKind.Portal, actor))
            {
                IdempotencyKey = idempotencyKey,
                Preview = shown,
                OverridePlanErrors = overridePlan,
            });
            Navigation.NavigateTo($"runs/{run.Id}");
        }
        catch (PlanHasErrorsException ex)
        {
            // plan: required, and the plan made at start has errors: shown like a Preview, with its override.
            plan = ex.Plan;
            plannedValues = Fingerprint(values);
            overridePlan = false;
            planError = "The plan has errors: fix them, or tick 'Start anyway' to start despite them.";
        }
        catch (InputValidationException ex)
        {
            serverErrors = ex.Errors;
        }
        catch (IdempotencyKeyInProgressException)
        {
            startError = "This run is still being started; wait a moment, then look for it in the runs list.";
        }
        catch (IdempotencyKeyReusedException)
        {
            // The form already started a run with other values (its answer was lost); the edited values make a new request.
            idempotencyKey = Guid.NewGuid().ToString();
            startError = "This form already started a run with different values. Press Start again to start another run with these values.";
        }
        catch (WorkflowNotFoundException ex)
        {
            startError = ex.Message;
        }
        finally
        {
            busy = false;
        }
    }
}
