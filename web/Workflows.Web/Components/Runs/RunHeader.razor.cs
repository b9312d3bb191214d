using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>A run's status, trigger, timing and inputs (secrets masked).</summary>
public partial class RunHeader
{
    /// <summary>Gets or sets the run.</summary>
    [Parameter, EditorRequired]
    public RunSummary Run { get; set; } = default!;

    /// <summary>Gets or sets the run's inputs as the engine returns them (secrets already masked).</summary>
    [Parameter]
    public IReadOnlyDictionary<string, JsonNode?> Inputs { get; set; } = new Dictionary<string, JsonNode?>();

    /// <summary>Gets or sets the workflow's definition, used to mask secret inputs a second time.</summary>
    [Parameter]
    public WorkflowDefinition? Definition { get; set; }

    /// <summary>Gets or sets the current time.</summary>
    [Parameter]
    public DateTimeOffset Now { get; set; }

    private string Display(string name, JsonNode? value) =>
        Definition?.Inputs.FirstOrDefault(i => i.Name == name)?.IsSecret == true ? Secret.Mask : Formatting.Json(value);
}
