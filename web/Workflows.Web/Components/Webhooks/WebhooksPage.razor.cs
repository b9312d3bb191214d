using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Webhooks;

/// <summary>Placeholder: lists the webhook triggers declared in definitions.</summary>
public partial class WebhooksPage
{
    private IReadOnlyList<(string Workflow, TriggerDefinition Trigger)> webhooks = [];

    [Inject]
    private IWorkflowCatalog Catalog { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized() =>
        webhooks = Catalog.List().SelectMany(d => d.Triggers.Where(t => t.Kind == TriggerKind.Webhook).Select(t => (d.Name, t))).ToList();
}
