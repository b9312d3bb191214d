using Workflows.Abstractions.Definitions;

namespace Workflows.Web.Components.Workflows;

/// <summary>What one field of an <see cref="InputForm"/> holds while the user edits it.</summary>
/// <param name="input">The input's definition.</param>
/// <param name="text">The starting text.</param>
/// <param name="flag">The starting state of a bool.</param>
public sealed class InputFieldState(InputDefinition input, string text, bool flag)
{
    /// <summary>Gets the input's definition.</summary>
    public InputDefinition Input { get; } = input;

    /// <summary>Gets or sets the text (never shown back for secrets).</summary>
    public string Text { get; set; } = text;

    /// <summary>Gets or sets the state of a bool.</summary>
    public bool Flag { get; set; } = flag;

    /// <summary>Gets or sets the result of the form's own validation.</summary>
    public string? Error { get; set; }

    /// <summary>Gets or sets the message the engine returned for this field.</summary>
    public string? ServerError { get; set; }

    /// <summary>Gets or sets whether the user changed the field or tried to submit.</summary>
    public bool Touched { get; set; }

    /// <summary>Gets the message to show under the field, if any.</summary>
    public string? ShownError => (Touched ? Error : null) ?? ServerError;

    /// <summary>Gets the field's id for tests and labels.</summary>
    public string TestId => "input-" + Input.Name;
}
