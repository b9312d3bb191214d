using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Triggers;

/// <summary>
/// Creates or edits an API-defined schedule: the workflow from the catalog, a name, the cron (said in plain language with its next
/// fires as it is typed), an IANA time zone, the overlap policy and the inputs in the same form the start page uses. The server checks
/// it with the API's rules; each problem is shown on the field it names.
/// </summary>
public partial class ScheduleDialog
{
    private static readonly string[] ScheduleFields = ["workflow", "name", "cron", "timezone", "overlap"];
    private IReadOnlyList<WorkflowDefinition> workflows = [];
    private IReadOnlyList<InputDefinition>? definitionInputs;
    private IReadOnlyDictionary<string, JsonNode?>? initialInputs;
    private string? workflow;
    private string name = "";
    private string cron = "0 3 * * *";
    private string timeZone = "UTC";
    private string overlap = "skip";
    private PortalCronPreview? preview;
    private IReadOnlyDictionary<string, string[]> errors = new Dictionary<string, string[]>();
    private IReadOnlyList<FieldError>? inputErrors;
    private string? message;
    private bool busy;

    /// <summary>Gets or sets the schedule to edit, or null to create one. Default is null.</summary>
    [Parameter]
    public PortalSchedule? Existing { get; set; }

    /// <summary>Gets or sets the workflow to preselect when creating. Default is the first in the catalog.</summary>
    [Parameter]
    public string? Workflow { get; set; }

    /// <summary>Gets or sets who saves it (recorded as its creator or last editor). Default is <c>unknown</c>.</summary>
    [Parameter]
    public string Actor { get; set; } = "unknown";

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    [Inject]
    private ITriggerPortal Portal { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        workflows = Catalog.List();
        if (Existing is { } s)
        {
            workflow = s.Workflow;
            name = s.Name;
            cron = s.Cron;
            timeZone = s.TimeZone;
            overlap = s.Overlap;
            initialInputs = s.Inputs.ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone(), StringComparer.Ordinal);
        }
        else
        {
            workflow = workflows.FirstOrDefault(w => w.Name == Workflow)?.Name ?? (workflows.Count > 0 ? workflows[0].Name : null);
        }

        definitionInputs = workflow is null ? null : ForSchedule(Catalog.Get(workflow));
        Preview();
    }

    /// <summary>The IANA time zones this server knows, for the picker.</summary>
    internal static IReadOnlyList<string> Zones { get; } =
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Append("UTC").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The definition's inputs without its secrets: a schedule's inputs are stored as they are, so they never hold a secret.</summary>
    private static List<InputDefinition>? ForSchedule(WorkflowDefinition? d) =>
        d?.Inputs.Where(i => i.Type != global::Workflows.Abstractions.Definitions.InputType.Secret).ToList();

    private string? ErrorOf(string field) => errors.TryGetValue(field, out var e) ? string.Join("; ", e) : null;

    // The zones containing the text typed. A text that is a whole zone name lists just that zone (not every zone):
    // a search that completes after the user has tabbed away must not reopen the list over the dialog's buttons.
    private Task<IEnumerable<string>> SearchZones(string? text, CancellationToken cancellationToken) =>
        Task.FromResult(string.IsNullOrWhiteSpace(text)
            ? Zones
            : Zones.Where(z => z.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)));

    private void WorkflowChanged(string? value)
    {
        workflow = value;
        definitionInputs = value is null ? null : ForSchedule(Catalog.Get(value));
        initialInputs = null;
        inputErrors = null;
    }

    private void CronChanged(string? value)
    {
        cron = value ?? "";
        Forget("cron");
        Preview();
    }

    private void TimeZoneChanged(string? value)
    {
        timeZone = string.IsNullOrWhiteSpace(value) ? "UTC" : value.Trim();
        Forget("timezone");
        Preview();
    }

    private void Forget(string field)
    {
        if (errors.ContainsKey(field))
        {
            errors = errors.Where(e => e.Key != field).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        }
    }

    private void Preview() => preview = Portal.PreviewCron(cron, timeZone);

    private void Cancel() => Dialog.Cancel();

    private async Task SaveAsync(IReadOnlyDictionary<string, JsonNode?> values)
    {
        busy = true;
        message = null;
        try
        {
            var inputs = new JsonObject(values.Where(v => v.Value is not null).Select(v => KeyValuePair.Create(v.Key, v.Value?.DeepClone())));
            var edit = new PortalScheduleEdit(workflow ?? "", name.Trim(), cron.Trim(), timeZone, overlap, inputs);
            var saved = await Portal.SaveScheduleAsync(edit, create: Existing is null, Actor);
            if (saved.Saved)
            {
                Dialog.Close(DialogResult.Ok(edit));
                return;
            }

            message = saved.Message;
            errors = saved.Errors.Where(e => ScheduleFields.Contains(e.Key)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            inputErrors = saved.Errors.Where(e => !ScheduleFields.Contains(e.Key)).SelectMany(e => e.Value.Select(m => new FieldError(e.Key, m))).ToList();
        }
        finally
        {
            busy = false;
        }
    }
}
