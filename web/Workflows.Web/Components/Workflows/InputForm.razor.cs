using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Workflows;

/// <summary>
/// A form generated from a workflow's typed inputs: defaults filled in, each field validated as the
/// user types, enums and clouds as selects, secrets masked and never rendered back.
/// </summary>
public partial class InputForm
{
    private List<InputFieldState> fields = [];
    private IReadOnlyList<FieldError> unmatchedErrors = [];
    private IReadOnlyList<InputDefinition>? builtFor;
    private IReadOnlyList<FieldError>? appliedErrors;

    /// <summary>Gets or sets the inputs to ask for.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<InputDefinition> Inputs { get; set; } = [];

    /// <summary>Gets or sets values to start from instead of the defaults (secrets are ignored).</summary>
    [Parameter]
    public IReadOnlyDictionary<string, JsonNode?>? InitialValues { get; set; }

    /// <summary>Gets or sets the clouds to offer for cloud inputs, or null to ask for a name as text.</summary>
    [Parameter]
    public IReadOnlyList<CloudInfo>? Clouds { get; set; }

    /// <summary>Gets or sets field errors returned by the engine; fields named <c>inputs.x</c> or <c>x</c> show them.</summary>
    [Parameter]
    public IReadOnlyList<FieldError>? ServerErrors { get; set; }

    /// <summary>Gets or sets whether empty secrets are fine because they keep their earlier value (retry).</summary>
    [Parameter]
    public bool SecretsOptional { get; set; }

    /// <summary>Gets or sets whether a submission is under way (disables the form).</summary>
    [Parameter]
    public bool Busy { get; set; }

    /// <summary>Gets or sets the text of the submit button.</summary>
    [Parameter]
    public string SubmitText { get; set; } = "Start run";

    /// <summary>Gets or sets what happens with valid values: the inputs given (empty fields are left out so defaults apply).</summary>
    [Parameter]
    public EventCallback<IReadOnlyDictionary<string, JsonNode?>> Submitted { get; set; }

    /// <summary>Gets or sets what happens when the user cancels; no cancel button without it.</summary>
    [Parameter]
    public EventCallback CancelClicked { get; set; }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(builtFor, Inputs))
        {
            builtFor = Inputs;
            fields = Inputs.Select(i =>
            {
                JsonNode? start = null;
                InitialValues?.TryGetValue(i.Name, out start);
                return new InputFieldState(i, InputValidation.InitialText(i, start), InputValidation.InitialFlag(i, start));
            }).ToList();
        }

        if (!ReferenceEquals(appliedErrors, ServerErrors))
        {
            appliedErrors = ServerErrors;
            ApplyServerErrors(ServerErrors ?? []);
        }
    }

    private static string? Placeholder(InputDefinition input) => input.Type switch
    {
        InputType.Cidr => "10.0.0.0/24",
        InputType.Ip => "192.0.2.10",
        InputType.Int => "0",
        _ => null,
    };

    private static string Label(InputFieldState f) =>
        f.Input.Required && f.Input.Default is null ? f.Input.Name + " *" : f.Input.Name;

    private static string FieldName(string field) =>
        field.StartsWith("inputs.", StringComparison.Ordinal) ? field["inputs.".Length..] : field;

    private void ApplyServerErrors(IReadOnlyList<FieldError> errors)
    {
        foreach (var f in fields)
        {
            f.ServerError = errors.FirstOrDefault(e => FieldName(e.Field) == f.Input.Name)?.Message;
        }

        unmatchedErrors = errors.Where(e => fields.All(f => FieldName(e.Field) != f.Input.Name)).ToList();
    }

    private IEnumerable<(string Name, string Detail)> CloudChoices(InputFieldState f)
    {
        var clouds = (Clouds ?? []).Select(c => (c.Name, Detail: c.Region is null ? c.Source : $"{c.Region} · {c.Source}")).ToList();
        if (f.Text.Length > 0 && clouds.All(c => c.Name != f.Text))
        {
            clouds.Insert(0, (f.Text, "not configured"));
        }

        return clouds;
    }

    private void TextChanged(InputFieldState f, string? value)
    {
        f.Text = value ?? "";
        f.Touched = true;
        f.ServerError = null;
        f.Error = InputValidation.Validate(f.Input, f.Text, SecretsOptional);
    }

    private void FlagChanged(InputFieldState f, bool value)
    {
        f.Flag = value;
        f.Touched = true;
        f.ServerError = null;
    }

    /// <summary>Gets or sets what happens on Preview, with the form's values once they are valid. Default is none: no Preview button.</summary>
    [Parameter]
    public EventCallback<IReadOnlyDictionary<string, JsonNode?>> PreviewClicked { get; set; }

    /// <summary>Gets or sets whether Start is disabled (e.g. while a plan with errors is not overridden). Default is false.</summary>
    [Parameter]
    public bool SubmitBlocked { get; set; }

    private Task SubmitAsync() => ValidatedAsync(Submitted);

    private Task PreviewAsync() => ValidatedAsync(PreviewClicked);

    private async Task ValidatedAsync(EventCallback<IReadOnlyDictionary<string, JsonNode?>> then)
    {
        foreach (var f in fields)
        {
            f.Touched = true;
            f.Error = InputValidation.Validate(f.Input, f.Text, SecretsOptional);
        }

        if (fields.Any(f => f.Error is not null))
        {
            return;
        }

        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            if (InputValidation.ToJson(f.Input, f.Text, f.Flag) is { } node)
            {
                values[f.Input.Name] = node;
            }
        }

        await then.InvokeAsync(values);
    }
}
