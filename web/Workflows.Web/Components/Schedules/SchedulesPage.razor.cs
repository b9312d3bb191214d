using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Schedules;

/// <summary>Placeholder: lists the schedule triggers declared in definitions.</summary>
public partial class SchedulesPage
{
    private IReadOnlyList<(string Workflow, TriggerDefinition Trigger)> schedules = [];

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized() =>
        schedules = Catalog.List().SelectMany(d => d.Triggers.Where(t => t.Kind == TriggerKind.Schedule).Select(t => (d.Name, t))).ToList();
}
