using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>Retries a failed or cancelled run from a step, with inputs the user may edit.</summary>
public partial class RetryDialog
{
    private const string AllFailed = "";
    private string fromStep = AllFailed;
    private IReadOnlyList<FieldError>? serverErrors;
    private string? error;
    private bool busy;

    /// <summary>Gets or sets the run.</summary>
    [Parameter]
    public Guid RunId { get; set; }

    /// <summary>Gets or sets the step that failed, preselected.</summary>
    [Parameter]
    public string? FailedStep { get; set; }

    /// <summary>Gets or sets the run's steps.</summary>
    [Parameter]
    public IReadOnlyList<StepView> Steps { get; set; } = [];

    /// <summary>Gets or sets the workflow's inputs.</summary>
    [Parameter]
    public IReadOnlyList<InputDefinition> Inputs { get; set; } = [];

    /// <summary>Gets or sets the run's inputs (secrets masked; never shown back).</summary>
    [Parameter]
    public IReadOnlyDictionary<string, JsonNode?> RunInputs { get; set; } = new Dictionary<string, JsonNode?>();

    /// <summary>Gets or sets the clouds for cloud inputs.</summary>
    [Parameter]
    public IReadOnlyList<CloudInfo>? Clouds { get; set; }

    /// <summary>Gets or sets who retries.</summary>
    [Parameter]
    public string Actor { get; set; } = "unknown";

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private IRunCommands Commands { get; set; } = default!;

    private IEnumerable<StepView> RestartableSteps =>
        Steps.Where(s => !s.IsCompensation && s.Status is StepStatus.Failed or StepStatus.Cancelled or StepStatus.Compensated or StepStatus.Skipped);

    /// <summary>Returns the inputs whose value differs from the run's; secrets are included only when typed.</summary>
    public static Dictionary<string, JsonNode?> ChangedInputs(IReadOnlyDictionary<string, JsonNode?> values, IReadOnlyDictionary<string, JsonNode?> original) =>
        values.Where(v => !original.TryGetValue(v.Key, out var o) || !JsonNode.DeepEquals(o, v.Value))
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        if (FailedStep is not null && RestartableSteps.Any(s => s.StepId == FailedStep))
        {
            fromStep = FailedStep;
        }
    }

    private void Cancel() => Dialog.Cancel();

    private async Task RetryAsync(IReadOnlyDictionary<string, JsonNode?> values)
    {
        busy = true;
        error = null;
        try
        {
            var changed = ChangedInputs(values, RunInputs);
            var run = await Commands.RetryAsync(RunId, new RetryRequest(Actor, changed.Count > 0 ? changed : null, fromStep == AllFailed ? null : fromStep));
            Dialog.Close(DialogResult.Ok(run));
        }
        catch (InputValidationException ex)
        {
            serverErrors = ex.Errors;
        }
        catch (Exception ex) when (ex is RunStateException or RunNotFoundException)
        {
            error = ex.Message;
        }
        finally
        {
            busy = false;
        }
    }
}
