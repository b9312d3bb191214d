using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.DevStack.Unstack;

/// <summary>
/// Reads a flag from a JSON boolean or from the strings <c>true</c> / <c>false</c>: the Resources page's Delete writes its
/// step's inputs as literal strings (<see cref="Workflows.Abstractions.Resources.ResourceDeleter"/>).
/// </summary>
public sealed class FlagConverter : JsonConverter<bool>
{
    /// <inheritdoc />
    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.String when bool.TryParse(reader.GetString(), out var value) => value,
        _ => throw new JsonException("Expected true or false."),
    };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBooleanValue(value);
    }
}
