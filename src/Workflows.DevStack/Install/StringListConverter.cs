using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.DevStack.Install;

/// <summary>
/// Reads a list from a JSON array of strings or from one string split on newlines (and, for
/// <see cref="CommaOrLine"/>, commas), because workflow inputs are scalars: <c>plugins: magnum,heat</c>.
/// </summary>
public abstract class StringListConverter : JsonConverter<List<string>>
{
    private readonly char[] separators;

    private protected StringListConverter(params char[] separators) => this.separators = separators;

    /// <inheritdoc />
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return [];
            case JsonTokenType.String:
                return [.. reader.GetString()!.Split(separators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            case JsonTokenType.StartArray:
                var list = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("Expected a list of strings."));
                }

                return list;
            default:
                throw new JsonException("Expected a string or a list of strings.");
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }

    /// <summary>Splits a string on commas and newlines.</summary>
    public sealed class CommaOrLine() : StringListConverter(',', '\n');

    /// <summary>Splits a string on newlines only (local.conf lines may hold commas).</summary>
    public sealed class Line() : StringListConverter('\n');
}
