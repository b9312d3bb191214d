using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// What a run produced, in one card: each output of each step that succeeded (server IP, floating IP, cluster API
/// address, kubeconfig, registered cloud…), secrets masked, JSON unescaped, with a copy button and, for a kubeconfig,
/// a download. Nothing is shown while no step has outputs.
/// </summary>
public partial class RunOutputs
{
    private List<OutputEntry> entries = [];

    /// <summary>Gets or sets the run's steps (compensations are ignored).</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<StepView> Steps { get; set; } = [];

    /// <summary>Gets or sets the run's id, used to name downloads.</summary>
    [Parameter]
    public Guid RunId { get; set; }

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>Returns the outputs worth showing: every non-empty output of every succeeded step, in step order.</summary>
    public static IReadOnlyList<OutputEntry> Collect(IEnumerable<StepView> steps)
    {
        var list = new List<OutputEntry>();
        foreach (var step in steps.Where(s => !s.IsCompensation && s.Status == StepStatus.Succeeded && s.Outputs is not null))
        {
            IEnumerable<KeyValuePair<string, JsonNode?>> pairs = step.Outputs is JsonObject o ? o : [KeyValuePair.Create("value", step.Outputs)];
            foreach (var (key, value) in pairs)
            {
                if (Formatting.IsEmpty(value))
                {
                    continue;
                }

                var masked = value is JsonValue v && v.TryGetValue<string>(out var s) && s == Secret.Mask;
                list.Add(new OutputEntry(step.StepId, key, masked ? "" : Formatting.Json(value), masked, key.Contains("kubeconfig", StringComparison.OrdinalIgnoreCase)));
            }
        }

        return list;
    }

    /// <inheritdoc />
    protected override void OnParametersSet() => entries = [.. Collect(Steps)];

    private async Task CopyAsync(string text) => await JS.InvokeVoidAsync("workflowsPortal.copy", text);

    private async Task DownloadAsync(OutputEntry e) =>
        await JS.InvokeVoidAsync("workflowsPortal.download", $"{e.StepId}-{RunId.ToString()[..8]}.kubeconfig", e.Text);
}

/// <summary>One output of one step, as the outputs card shows it.</summary>
/// <param name="StepId">The step.</param>
/// <param name="Key">The output's name.</param>
/// <param name="Text">The value for display (empty when masked).</param>
/// <param name="Masked">Whether the value is a secret and hidden.</param>
/// <param name="IsKubeconfig">Whether the value is a kubeconfig, offered as a download.</param>
public sealed record OutputEntry(string StepId, string Key, string Text, bool Masked, bool IsKubeconfig);
